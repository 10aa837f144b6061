//! YAFFS2 flash image (`mkyaffs2image`, NAND dumps): pages of data, each followed by its
//! spare (OOB) area holding the packed tags that say which object and which chunk of it the
//! page is. Chunk 0 of an object is its header (name, parent, mode, size, link target).
//!
//! Written by hand: no maintained Rust crate reads YAFFS2. The page geometry is not stored
//! in the image: 2048+64 (the common case), 4096+128, 8192+256 and 512+16 are tried, in
//! both byte orders, with the tags at the start of the spare or after the 2-byte bad-block
//! marker.
//!
//! ```text
//! 00000000  01 00 00 00 01 00 00 00  ff ff 79 75 74 69 6c 73  |..........yutils|
//! 00000800  00 10 00 00 01 01 00 00  00 00 00 00 ff ff 00 00  |................|   spare
//! struct yaffs_obj_hdr {         // in the page; byte order of the image
//!     u32 type;                  // 1 file, 2 symlink, 3 directory, 4 hard link, 5 special
//!     u32 parent_obj_id;         // 1 = root
//!     u16 sum_no_longer_used;    // 0xffff
//!     char name[256];            // at 10
//!     u16 pad; u32 yst_mode;     // mode at 268
//!     u32 yst_uid, yst_gid, yst_atime, yst_mtime, yst_ctime;
//!     u32 file_size_low;         // 292
//!     i32 equiv_id;              // 296: hard link target object
//!     char alias[160];           // 300: symlink target
//!     u32 yst_rdev; ...; u32 file_size_high; // 496
//! };
//! struct yaffs_packed_tags2 {    // in the spare, at 0 or 2
//!     u32 seq_number;            // block sequence: later wins; 0xffffffff = erased
//!     u32 obj_id;                // top 4 bits: object type when chunk_id has bit 31
//!     u32 chunk_id;              // 0 (or bit 31 set) = object header, else data chunk n
//!     u32 n_bytes;               // bytes used in a data chunk
//! };
//! ```

use bytes::Bytes;
use std::collections::{HashMap, HashSet};

use crate::handler::*;
use crate::tree::{EntryKind, Meta};

pub static DOC: FormatDoc = FormatDoc {
    name: "yaffs2",
    category: Category::Filesystem,
    description: "YAFFS2 image with packed tags in the spare area (page 2048+64, 4096+128, \
                  8192+256 or 512+16; either byte order): files, directories, symlinks, hard \
                  links and devices; the latest copy of each chunk wins.",
    references: &[
        "YAFFS2 yaffs_guts.h (struct yaffs_obj_hdr), yaffs_packedtags2.c",
        "yaffs2utils mkyaffs2image",
    ],
    limitations: "YAFFS1 tags (512-byte pages with bit-packed tags) and images without spare \
                  areas (inband tags) are not read; ECC is not checked. The image must start \
                  with the header of an object in the root directory.",
};

const LAYOUTS: [(usize, usize); 4] = [(2048, 64), (4096, 128), (8192, 256), (512, 16)];
const MAX_DEPTH: usize = 256;
const MAX_OBJ: u32 = 0x3_ffff;

pub struct Yaffs2;

#[derive(Clone, Copy, Debug, PartialEq)]
struct Geometry {
    page: usize,
    spare: usize,
    big: bool,
    tag_at: usize,
}

impl Geometry {
    fn stride(&self) -> usize {
        self.page + self.spare
    }
    fn u32(&self, d: &[u8], at: usize) -> Option<u32> {
        crate::bytes::u32_at(d, at, self.big)
    }
    /// Tags of the page at `pos`: (seq, obj_id, chunk_id, n_bytes); `None` when erased.
    fn tags(&self, d: &[u8], pos: usize) -> Option<Option<Tags>> {
        let t = pos + self.page + self.tag_at;
        let seq = self.u32(d, t)?;
        let obj = self.u32(d, t + 4)?;
        let chunk = self.u32(d, t + 8)?;
        let n = self.u32(d, t + 12)?;
        if seq == 0xffff_ffff && obj == 0xffff_ffff {
            return Some(None);
        }
        if !(0x1000..0xefff_ff00).contains(&seq) {
            return None;
        }
        let (obj, chunk) = if chunk & 0x8000_0000 != 0 {
            (obj & 0x0fff_ffff, 0)
        } else {
            (obj, chunk)
        };
        // object ids are allocated below 2^18 (YAFFS_MAX_OBJECT_ID)
        if obj == 0 || obj > MAX_OBJ || (chunk != 0 && n as usize > self.page) {
            return None;
        }
        Some(Some((seq, obj, chunk, n)))
    }
}

/// A parsed object header.
#[derive(Clone, Debug)]
struct Header {
    kind: u32,
    parent: u32,
    name: String,
    mode: u32,
    uid: u32,
    gid: u32,
    mtime: u32,
    size: u64,
    equiv: u32,
    alias: String,
}

fn cstr(d: &[u8]) -> Option<String> {
    let end = memchr::memchr(0, d)?;
    Some(String::from_utf8_lossy(&d[..end]).into_owned())
}

fn header(g: &Geometry, p: &[u8]) -> Option<Header> {
    let kind = g.u32(p, 0)?;
    if !(1..=5).contains(&kind) {
        return None;
    }
    let lo = g.u32(p, 292)? as u64;
    let hi = g.u32(p, 496)?;
    let size = if hi == 0xffff_ffff || hi == 0 {
        lo
    } else {
        lo | ((hi as u64) << 32)
    };
    Some(Header {
        kind,
        parent: g.u32(p, 4)?,
        name: cstr(p.get(10..266)?)?,
        mode: g.u32(p, 268)?,
        uid: g.u32(p, 272)?,
        gid: g.u32(p, 276)?,
        mtime: g.u32(p, 284)?,
        size,
        equiv: g.u32(p, 296)?,
        alias: cstr(p.get(300..460)?).unwrap_or_default(),
    })
}

/// Find the geometry under which the page at `start` is an object header with valid tags.
fn detect(d: &[u8], start: usize) -> Option<Geometry> {
    for (page, spare) in LAYOUTS {
        for big in [false, true] {
            for tag_at in [0usize, 2] {
                if tag_at + 16 > spare {
                    continue;
                }
                let g = Geometry {
                    page,
                    spare,
                    big,
                    tag_at,
                };
                let Some(Some((_, _, 0, _))) = g.tags(d, start) else {
                    continue;
                };
                if let Some(h) = d.get(start..start + page).and_then(|p| header(&g, p)) {
                    // a real first header names a real object: kernels and other binaries
                    // contain byte patterns that pass the tag checks but not this
                    let plausible_name = h
                        .name
                        .chars()
                        .all(|c| !c.is_control() && c != '\u{fffd}' && c != '/');
                    if !h.name.is_empty()
                        && h.parent != 0
                        && plausible_name
                        && h.mode & 0o170000 != 0
                    {
                        return Some(g);
                    }
                }
            }
        }
    }
    None
}

/// (sequence number, object id, chunk id, bytes used)
type Tags = (u32, u32, u32, u32);

/// Pages of the image from `start`: (position, tags) of the used pages and the end.
fn scan(d: &[u8], start: usize, g: &Geometry) -> (Vec<(usize, Tags)>, usize) {
    let mut pages = Vec::new();
    let mut pos = start;
    let mut end = start;
    while pos + g.stride() <= d.len() {
        match g.tags(d, pos) {
            Some(Some(t)) => {
                pages.push((pos, t));
                end = pos + g.stride();
            }
            Some(None) => {}
            None => break,
        }
        pos += g.stride();
    }
    (pages, end)
}

impl Handler for Yaffs2 {
    fn doc(&self) -> &'static FormatDoc {
        &DOC
    }

    fn magics(&self) -> &'static [Magic] {
        static M: [Magic; 6] = [
            Magic::at0(b"\x01\x00\x00\x00\x01\x00\x00\x00\xff\xff"),
            Magic::at0(b"\x02\x00\x00\x00\x01\x00\x00\x00\xff\xff"),
            Magic::at0(b"\x03\x00\x00\x00\x01\x00\x00\x00\xff\xff"),
            Magic::at0(b"\x00\x00\x00\x01\x00\x00\x00\x01\xff\xff"),
            Magic::at0(b"\x00\x00\x00\x02\x00\x00\x00\x01\xff\xff"),
            Magic::at0(b"\x00\x00\x00\x03\x00\x00\x00\x01\xff\xff"),
        ];
        &M
    }

    fn identify(&self, data: &[u8], start: usize, _probe: &Probe) -> Option<Chunk> {
        let g = detect(data, start)?;
        let (pages, end) = scan(data, start, &g);
        if pages.is_empty() {
            return None;
        }
        Some(Chunk {
            checks: Vec::new(),
            start,
            end,
            decoded: None,
            truncated: false,
            variant: format!(
                "{}+{} {} tags@{}",
                g.page,
                g.spare,
                if g.big { "be" } else { "le" },
                g.tag_at
            ),
        })
    }

    fn extract(&self, data: &Bytes, _chunk: &Chunk, out: &mut Sink) -> FormatResult<()> {
        let Some(g) = detect(data, 0) else {
            return invalid("no YAFFS2 object header at the start");
        };
        let (pages, _) = scan(data, 0, &g);
        // latest header per object and latest page per (object, chunk); later pages win ties
        let mut headers: HashMap<u32, (u32, Header)> = HashMap::new();
        let mut chunks: HashMap<(u32, u32), (u32, usize, u32)> = HashMap::new();
        let mut warnings = Vec::new();
        for (pos, (seq, obj, chunk, n)) in pages {
            if chunk == 0 {
                match header(&g, &data[pos..pos + g.page]) {
                    Some(h) => {
                        if headers.get(&obj).is_none_or(|(s, _)| *s <= seq) {
                            headers.insert(obj, (seq, h));
                        }
                    }
                    None => warnings.push(format!("page at {pos:#x}: bad object header")),
                }
            } else if chunks.get(&(obj, chunk)).is_none_or(|(s, _, _)| *s <= seq) {
                chunks.insert((obj, chunk), (seq, pos, n));
            }
        }
        // paths: objects 3 and 4 are the unlinked and deleted directories
        let mut paths: HashMap<u32, String> = HashMap::new();
        let mut ids: Vec<u32> = headers.keys().copied().collect();
        ids.sort_unstable();
        for &id in &ids {
            let mut parts = Vec::new();
            let mut cur = id;
            let mut seen = HashSet::new();
            let ok = loop {
                if cur == 1 {
                    break true;
                }
                if cur == 3 || cur == 4 || !seen.insert(cur) || parts.len() > MAX_DEPTH {
                    break false;
                }
                match headers.get(&cur) {
                    Some((_, h)) => {
                        parts.push(h.name.clone());
                        cur = h.parent;
                    }
                    None => break false,
                }
            };
            if ok {
                parts.reverse();
                paths.insert(id, parts.join("/"));
            } else if parts.len() > MAX_DEPTH || seen.contains(&cur) {
                warnings.push(format!("object {id}: directory loop or nesting too deep"));
            }
        }
        let mut order: Vec<(&String, u32)> = paths.iter().map(|(id, p)| (p, *id)).collect();
        order.sort();
        for (path, id) in order {
            let Some((_, h)) = headers.get(&id) else {
                continue;
            };
            let meta = Meta {
                mode: h.mode & 0o7777,
                uid: h.uid,
                gid: h.gid,
                mtime: h.mtime as i64,
            };
            let r = match h.kind {
                3 => out.dir(path, meta),
                2 => out.symlink(path, meta, &h.alias),
                4 => match paths.get(&h.equiv) {
                    Some(t) => out.hardlink(path, meta, t),
                    None => {
                        warnings.push(format!("hard link '{path}' to unknown object {}", h.equiv));
                        Ok(())
                    }
                },
                5 => {
                    let kind = match h.mode & 0o170000 {
                        0o020000 => EntryKind::CharDevice,
                        0o060000 => EntryKind::BlockDevice,
                        0o140000 => EntryKind::Socket,
                        _ => EntryKind::Fifo,
                    };
                    out.special(path, kind, meta)
                }
                _ => match out.check_alloc(&format!("YAFFS2 file '{path}'"), h.size) {
                    Ok(()) => {
                        let mut buf = vec![0u8; h.size as usize];
                        // chunk n covers [(n-1)*page, ...): walk the chunks the size needs
                        let count = h.size.div_ceil(g.page as u64);
                        for c in 1..=count {
                            let Some(&(_, pos, n)) = chunks.get(&(id, c as u32)) else {
                                continue;
                            };
                            let off = (c as usize - 1) * g.page;
                            let take = (n as usize).min(buf.len() - off);
                            buf[off..off + take].copy_from_slice(&data[pos..pos + take]);
                        }
                        out.file(path, meta, buf)
                    }
                    Err(e) => Err(e),
                },
            };
            match r {
                Ok(()) => {}
                Err(FormatError::Limit(m)) if m.contains("claims") => {}
                Err(e) => return Err(e),
            }
        }
        if !warnings.is_empty() {
            let n = warnings.len();
            warnings.truncate(8);
            return invalid(format!("{n} problem(s): {}", warnings.join("; ")));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Limits, Unpacker};

    struct Img {
        g: Geometry,
        buf: Vec<u8>,
    }

    impl Img {
        fn new(g: Geometry) -> Img {
            Img { g, buf: Vec::new() }
        }
        fn w32(&self, v: u32) -> [u8; 4] {
            if self.g.big {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            }
        }
        fn page(&mut self, content: &[u8], seq: u32, obj: u32, chunk: u32, n: u32) {
            let mut p = vec![0xffu8; self.g.page];
            p[..content.len()].copy_from_slice(content);
            let mut s = vec![0xffu8; self.g.spare];
            for (i, v) in [seq, obj, chunk, n].iter().enumerate() {
                let at = self.g.tag_at + 4 * i;
                s[at..at + 4].copy_from_slice(&self.w32(*v));
            }
            self.buf.extend(p);
            self.buf.extend(s);
        }
        #[allow(clippy::too_many_arguments)]
        fn obj(
            &mut self,
            id: u32,
            kind: u32,
            parent: u32,
            name: &str,
            mode: u32,
            size: u32,
            alias: &str,
            equiv: u32,
        ) {
            let mut h = vec![0u8; 512];
            h[0..4].copy_from_slice(&self.w32(kind));
            h[4..8].copy_from_slice(&self.w32(parent));
            h[8..10].copy_from_slice(&[0xff, 0xff]);
            h[10..10 + name.len()].copy_from_slice(name.as_bytes());
            h[268..272].copy_from_slice(&self.w32(mode));
            h[284..288].copy_from_slice(&self.w32(1_700_000_000));
            h[292..296].copy_from_slice(&self.w32(size));
            h[296..300].copy_from_slice(&self.w32(equiv));
            h[300..300 + alias.len()].copy_from_slice(alias.as_bytes());
            h[496..500].copy_from_slice(&self.w32(0xffff_ffff));
            self.page(&h, 0x1000, id, 0, 0);
        }
        fn file(&mut self, id: u32, parent: u32, name: &str, data: &[u8]) {
            self.obj(id, 1, parent, name, 0o100644, data.len() as u32, "", 0);
            for (i, c) in data.chunks(self.g.page).enumerate() {
                self.page(c, 0x1000, id, i as u32 + 1, c.len() as u32);
            }
        }
    }

    fn sample(g: Geometry) -> Vec<u8> {
        let mut i = Img::new(g);
        let body: Vec<u8> = (0..(g.page * 2 + 100)).map(|x| (x % 241) as u8).collect();
        i.file(257, 1, "first.txt", b"first file\n");
        i.obj(258, 3, 1, "etc", 0o040755, 0, "", 0);
        i.file(259, 258, "passwd", &body);
        i.obj(260, 2, 1, "sh", 0o120777, 0, "/bin/busybox", 0);
        i.obj(261, 4, 258, "passwd.hl", 0o100644, 0, "", 259);
        i.obj(262, 5, 1, "console", 0o020600, 0, "", 0);
        // a newer version of first.txt (higher sequence number) wins
        i.obj(257, 1, 1, "first.txt", 0o100600, 4, "", 0);
        i.page(b"new!", 0x1001, 257, 1, 4);
        // a deleted file
        i.obj(263, 1, 4, "deleted", 0o100644, 0, "", 0);
        i.buf.extend(vec![0xffu8; g.stride() * 2]); // erased pages
        i.buf
    }

    fn check(tree: &crate::tree::Tree, root: &str, page: usize) {
        let body: Vec<u8> = (0..(page * 2 + 100)).map(|x| (x % 241) as u8).collect();
        let f = tree.get(&format!("{root}/first.txt")).expect("first.txt");
        assert_eq!(&f.data[..], b"new!");
        assert_eq!(f.meta.mode, 0o600);
        assert_eq!(f.meta.mtime, 1_700_000_000);
        assert_eq!(
            &tree.get(&format!("{root}/etc/passwd")).unwrap().data[..],
            &body[..]
        );
        assert_eq!(
            &tree.get(&format!("{root}/etc/passwd.hl")).unwrap().data[..],
            &body[..]
        );
        assert_eq!(
            tree.get(&format!("{root}/sh"))
                .unwrap()
                .link_target
                .as_deref(),
            Some("/bin/busybox")
        );
        assert_eq!(
            tree.get(&format!("{root}/console")).unwrap().kind,
            EntryKind::CharDevice
        );
        assert!(tree.get(&format!("{root}/deleted")).is_none());
    }

    #[test]
    fn layouts_and_byte_orders() {
        for (page, spare, big, tag_at) in [
            (2048, 64, false, 0),
            (2048, 64, true, 2),
            (4096, 128, false, 2),
            (512, 16, true, 0),
        ] {
            let g = Geometry {
                page,
                spare,
                big,
                tag_at,
            };
            let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(sample(g)));
            check(&tree, "0x0.yaffs2", page);
            assert_eq!(
                tree.layers[0].variant,
                format!(
                    "{page}+{spare} {} tags@{tag_at}",
                    if big { "be" } else { "le" }
                )
            );
            assert!(tree.errors.is_empty(), "{:?}", tree.errors);
        }
    }

    #[test]
    fn hostile_sizes_loops_and_truncation() {
        let g = Geometry {
            page: 2048,
            spare: 64,
            big: false,
            tag_at: 0,
        };
        let mut i = Img::new(g);
        i.obj(300, 1, 1, "huge", 0o100644, u32::MAX, "", 0);
        i.obj(301, 3, 302, "a", 0o040755, 0, "", 0);
        i.obj(302, 3, 301, "b", 0o040755, 0, "", 0);
        i.obj(303, 1, 1, "../escape", 0o100644, 2, "", 0);
        i.page(b"ok", 0x1000, 303, 1, 2);
        // a data page claiming more bytes than a page holds ends the image
        i.page(b"", 0x1000, 303, 1, 100_000);
        i.file(304, 1, "after", b"never seen");
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(i.buf.clone()));
        assert!(tree.get("0x0.yaffs2/huge").is_none());
        assert!(tree
            .limits_hit
            .iter()
            .any(|l| l.detail.contains("'huge' claims 4294967295")));
        assert!(tree.get("0x0.yaffs2/a").is_none());
        assert_eq!(&tree.get("0x0.yaffs2/escape").unwrap().data[..], b"ok");
        assert!(tree.get("0x0.yaffs2/after").is_none());
        let y: Vec<_> = tree
            .errors
            .iter()
            .filter(|e| e.format == "yaffs2")
            .collect();
        assert_eq!(y.len(), 1, "{:?}", tree.errors);
        assert!(y[0].error.contains("directory loop"), "{:?}", y);
        assert!(tree.errors.iter().any(|e| e.format == "path"));
        // cut anywhere: no panic
        for cut in (0..i.buf.len()).step_by(997) {
            let _ = Unpacker::new(Limits::default())
                .unpack_bytes(Bytes::copy_from_slice(&i.buf[..cut]));
        }
    }
}
