//! ISO 9660 (ECMA-119) with Rock Ridge names, modes, owners, times, symlinks and devices,
//! Joliet names when Rock Ridge is absent, and zisofs (transparently compressed) files.
//!
//! Read by hand: the ISO crates on crates.io (`iso9660`, `cdfs`) read through their own
//! device traits and do not bound directory cycles or record counts; the format is a handful
//! of fixed records, and file contents are zero-copy slices of the image here.
//!
//! ```text
//! 00008000  01 43 44 30 30 31 01 00  4c 49 4e 55 58 20 20 20  |.CD001..LINUX   |
//! struct volume_descriptor {   // 2048 bytes each from sector 16; both-endian = LE then BE
//!     u8 type;                 // 1 primary, 2 supplementary (Joliet), 255 terminator
//!     char id[5] = "CD001"; u8 version = 1;
//!     ...; u32 volume_space_size[2] (at 80); ...; u16 logical_block_size[2] (at 128);
//!     ...; struct dir_record root (at 156, 34 bytes);
//!     // Joliet: escape sequence "%/@", "%/C" or "%/E" at 88
//! };
//! struct dir_record {
//!     u8 len; u8 ext_attr_len; u32 extent[2]; u32 size[2];
//!     u8 date[7];              // years since 1900, month, day, h, m, s, GMT offset / 15 min
//!     u8 flags;                // 0x02 directory, 0x80 more extents follow
//!     u8 unit_size, gap; u16 vol_seq[2]; u8 name_len; char name[name_len];
//!     // pad to even, then System Use (SUSP/Rock Ridge): entries { char sig[2]; u8 len;
//!     // u8 version; ... }: SP, CE (continuation), NM (name), PX (mode, links, uid, gid),
//!     // SL (symlink), TF (times), PN (device), CL/RE (relocated directories), ZF (zisofs)
//! };
//! ```

use bytes::Bytes;
use std::collections::HashSet;
use std::io::Read;

use crate::bytes::{be32, le16, le32};
use crate::formats::filesystem::fat::days_from_civil;
use crate::handler::*;
use crate::tree::{EntryKind, Meta};

const SECTOR: usize = 2048;
/// Start of a zisofs-compressed file (also recognised without a Rock Ridge ZF entry, as
/// mkzftree output copied onto a plain ISO 9660 image).
const ZISOFS_MAGIC: [u8; 8] = [0x37, 0xe4, 0x53, 0x96, 0xc9, 0xdb, 0xd6, 0x07];
const MAX_DEPTH: usize = 64;
const MAX_DIR_BYTES: usize = 16 << 20;
const MAX_ERRORS: usize = 32;
/// Most SUSP continuation areas followed for one record.
const MAX_CE: usize = 16;

pub static DOC: FormatDoc = FormatDoc {
    name: "iso9660",
    category: Category::Filesystem,
    description: "ISO 9660 CD/DVD image with Rock Ridge (names, modes, uid/gid, mtime, \
                  symlinks, devices, relocated directories), Joliet names, multi-extent and \
                  zisofs-compressed files.",
    references: &[
        "ECMA-119 (ISO 9660)",
        "IEEE P1282 Rock Ridge Interchange Protocol 1.12; IEEE P1281 SUSP 1.12",
        "Joliet Specification (Microsoft, 1995)",
    ],
    limitations: "Only the first session is read; UDF and El Torito boot images are not \
                  extracted separately; interleaved files are read as contiguous.",
};

#[derive(Debug, Clone, Copy)]
struct Volume {
    block: usize,
    blocks: u64,
    /// Root directory record: (extent, size).
    root: (u32, u32),
    joliet_root: Option<(u32, u32)>,
}

fn volume(d: &[u8]) -> Option<Volume> {
    let pvd = d.get(16 * SECTOR..17 * SECTOR)?;
    if pvd[0] != 1 || &pvd[1..6] != b"CD001" || pvd[6] != 1 {
        return None;
    }
    let blocks = le32(pvd, 80)? as u64;
    let block = le16(pvd, 128)? as usize;
    if blocks == 0 || be32(pvd, 84)? as u64 != blocks || !matches!(block, 512 | 1024 | 2048) {
        return None;
    }
    let root = &pvd[156..190];
    if root[0] < 34 || root[25] & 2 == 0 {
        return None;
    }
    let mut joliet_root = None;
    // further descriptors until the terminator (bounded)
    for i in 17..64usize {
        let Some(vd) = d.get(i * SECTOR..(i + 1) * SECTOR) else {
            break;
        };
        if &vd[1..6] != b"CD001" || vd[0] == 255 {
            break;
        }
        if vd[0] == 2 && vd[88] == b'%' && vd[89] == b'/' && matches!(vd[90], b'@' | b'C' | b'E') {
            joliet_root = Some((le32(vd, 158)?, le32(vd, 166)?));
        }
    }
    Some(Volume {
        block,
        blocks,
        root: (le32(root, 2)?, le32(root, 10)?),
        joliet_root,
    })
}

fn record_time(t: &[u8]) -> i64 {
    if t.len() < 7 || t[1] == 0 {
        return 0;
    }
    let days = days_from_civil(
        1900 + t[0] as i64,
        t[1].clamp(1, 12) as i64,
        t[2].max(1) as i64,
    );
    let gmt = t[6] as i8 as i64 * 15 * 60;
    days * 86400 + t[3] as i64 * 3600 + t[4] as i64 * 60 + t[5] as i64 - gmt
}

/// 17-byte "YYYYMMDDHHMMSScc" + offset form (TF with the LONG_FORM flag).
fn long_time(t: &[u8]) -> i64 {
    let num = |a: usize, b: usize| -> i64 {
        std::str::from_utf8(t.get(a..b).unwrap_or(b"0"))
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0)
    };
    let y = num(0, 4);
    if y == 0 {
        return 0;
    }
    let days = days_from_civil(y, num(4, 6).clamp(1, 12), num(6, 8).max(1));
    let gmt = *t.get(16).unwrap_or(&0) as i8 as i64 * 15 * 60;
    days * 86400 + num(8, 10) * 3600 + num(10, 12) * 60 + num(12, 14) - gmt
}

#[derive(Debug, Default, Clone)]
struct Rr {
    name: Option<String>,
    mode: Option<u32>,
    uid: u32,
    gid: u32,
    mtime: Option<i64>,
    symlink: Option<String>,
    child_link: Option<u32>,
    relocated: bool,
    zisofs: bool,
}

struct Fs<'a> {
    d: &'a [u8],
    vol: Volume,
    errors: Vec<String>,
    /// Bytes to skip at the start of every System Use area (from the SP entry).
    susp_skip: usize,
    rock_ridge: bool,
}

impl Fs<'_> {
    fn err(&mut self, msg: String) {
        if self.errors.len() < MAX_ERRORS {
            self.errors.push(msg);
        }
    }

    fn extent(&self, lba: u32, len: u64) -> Option<std::ops::Range<usize>> {
        let start = (lba as usize).checked_mul(self.vol.block)?;
        let end = start.checked_add(usize::try_from(len).ok()?)?;
        (end <= self.d.len()).then_some(start..end)
    }

    /// Parse the SUSP entries of one System Use area, following CE continuations.
    fn susp(&mut self, area: &[u8], rr: &mut Rr) {
        let mut areas: Vec<Vec<u8>> = vec![area.to_vec()];
        let mut i = 0;
        let mut symlink = String::new();
        let mut sl_seen = false;
        let mut sl_continue = false;
        while i < areas.len() && i <= MAX_CE {
            let a = std::mem::take(&mut areas[i]);
            i += 1;
            let mut p = 0usize;
            while p + 4 <= a.len() {
                let sig = &a[p..p + 2];
                let len = a[p + 2] as usize;
                if len < 4 || p + len > a.len() {
                    break;
                }
                let e = &a[p..p + len];
                match sig {
                    b"SP" => {
                        self.susp_skip = *e.get(6).unwrap_or(&0) as usize;
                    }
                    b"CE" => {
                        // a CE entry too short for its fields points nowhere
                        let (Some(blk), Some(off), Some(n)) =
                            (le32(e, 4), le32(e, 12), le32(e, 20))
                        else {
                            break;
                        };
                        let (off, n) = (off as u64, n as u64);
                        if let Some(r) = self.extent(blk, off + n) {
                            areas.push(self.d[r.start + off as usize..r.end].to_vec());
                        }
                    }
                    b"NM" if len >= 5 => {
                        let flags = e[4];
                        let part = String::from_utf8_lossy(&e[5..]).into_owned();
                        if flags & 0x06 == 0 {
                            rr.name.get_or_insert_with(String::new).push_str(&part);
                        }
                    }
                    b"PX" if len >= 36 => {
                        // inside the entry: `len >= 36`
                        if let (Some(mode), Some(uid), Some(gid)) =
                            (le32(e, 4), le32(e, 20), le32(e, 28))
                        {
                            rr.mode = Some(mode);
                            rr.uid = uid;
                            rr.gid = gid;
                        }
                    }
                    b"TF" if len >= 5 => {
                        let flags = e[4];
                        let size = if flags & 0x80 != 0 { 17 } else { 7 };
                        // creation (1) comes before modification (2)
                        if flags & 2 != 0 {
                            let at = 5 + if flags & 1 != 0 { size } else { 0 };
                            if let Some(t) = e.get(at..at + size) {
                                rr.mtime = Some(if size == 7 {
                                    record_time(t)
                                } else {
                                    long_time(t)
                                });
                            }
                        }
                    }
                    b"SL" if len >= 5 => {
                        sl_seen = true;
                        let mut q = 5usize;
                        while q + 2 <= e.len() {
                            let cf = e[q];
                            let cl = e[q + 1] as usize;
                            let Some(content) = e.get(q + 2..q + 2 + cl) else {
                                break;
                            };
                            if !symlink.is_empty() && !sl_continue && !symlink.ends_with('/') {
                                symlink.push('/');
                            }
                            if cf & 0x02 != 0 {
                                symlink.push('.');
                            } else if cf & 0x04 != 0 {
                                symlink.push_str("..");
                            } else if cf & 0x08 != 0 {
                                symlink.push('/');
                            } else {
                                symlink.push_str(&String::from_utf8_lossy(content));
                            }
                            sl_continue = cf & 0x01 != 0;
                            q += 2 + cl;
                        }
                    }
                    b"CL" if len >= 12 => rr.child_link = le32(e, 4),
                    b"RE" => rr.relocated = true,
                    b"ZF" if len >= 16 && &e[4..6] == b"pz" => rr.zisofs = true,
                    b"ST" => break,
                    _ => {}
                }
                p += len;
            }
        }
        if sl_seen {
            rr.symlink = Some(symlink);
        }
    }

    /// Decompress a zisofs file (header, block pointer table, zlib blocks).
    fn zisofs(&mut self, raw: &[u8], what: &str, out: &mut Sink) -> FormatResult<Vec<u8>> {
        if !raw.starts_with(&ZISOFS_MAGIC) || raw.len() < 16 {
            self.err(format!("{what}: zisofs header missing; stored data kept"));
            return Ok(raw.to_vec());
        }
        // inside the 16-byte header checked above
        let Some(size) = le32(raw, 8).map(u64::from) else {
            return truncated(format!("{what}: zisofs header"));
        };
        let hdr = raw[12] as usize * 4;
        let log = raw[13] as u32;
        if !(15..=17).contains(&log) {
            self.err(format!("{what}: zisofs block size 2^{log} not supported"));
            return Ok(Vec::new());
        }
        out.check_alloc(what, size)?;
        let bs = 1u64 << log;
        let nblocks = size.div_ceil(bs) as usize;
        let mut buf = Vec::with_capacity(size as usize);
        for b in 0..nblocks {
            let (Some(s), Some(e)) = (le32(raw, hdr + b * 4), le32(raw, hdr + b * 4 + 4)) else {
                self.err(format!("{what}: zisofs block pointer {b} outside the file"));
                break;
            };
            let (s, e) = (s as usize, e as usize);
            let want = (size - buf.len() as u64).min(bs) as usize;
            if s == e {
                buf.resize(buf.len() + want, 0);
                continue;
            }
            let Some(src) = raw.get(s..e) else {
                self.err(format!("{what}: zisofs block {b} outside the file"));
                break;
            };
            let mut v = Vec::new();
            let r = flate2::read::ZlibDecoder::new(src)
                .take(want as u64)
                .read_to_end(&mut v);
            if let Err(e) = r {
                self.err(format!("{what}: zisofs block {b}: {e}"));
                break;
            }
            v.resize(want, 0);
            buf.extend_from_slice(&v);
        }
        Ok(buf)
    }
}

struct Record {
    name: String,
    flags: u8,
    extent: u32,
    size: u32,
    mtime: i64,
    rr: Rr,
}

pub struct Iso9660;

impl Handler for Iso9660 {
    fn doc(&self) -> &'static FormatDoc {
        &DOC
    }

    fn magics(&self) -> &'static [Magic] {
        static M: [Magic; 1] = [Magic::at(b"\x01CD001\x01", 16 * SECTOR)];
        &M
    }

    fn identify(&self, data: &[u8], start: usize, _probe: &Probe) -> Option<Chunk> {
        let d = data.get(start..)?;
        let v = volume(d)?;
        let size = v.blocks.checked_mul(v.block as u64)?;
        let end = size.min(d.len() as u64) as usize;
        let mut c = Chunk::new(start, start + end.max(17 * SECTOR));
        if size > d.len() as u64 {
            c.variant = "truncated".into();
        }
        Some(c)
    }

    fn extract(&self, data: &Bytes, _chunk: &Chunk, out: &mut Sink) -> FormatResult<()> {
        let Some(vol) = volume(data) else {
            return invalid("ISO 9660 primary volume descriptor no longer validates");
        };
        let mut fs = Fs {
            d: data,
            vol,
            errors: Vec::new(),
            susp_skip: 0,
            rock_ridge: false,
        };
        // Rock Ridge: the root's "." record carries an SP entry (and usually ER/RR)
        let mut root = vol.root;
        fs.rock_ridge = root_has_rock_ridge(&mut fs, root.0);
        let joliet = !fs.rock_ridge && vol.joliet_root.is_some();
        if let (true, Some(j)) = (joliet, vol.joliet_root) {
            root = j;
        }
        let mut visited = HashSet::from([root.0]);
        let mut stack = vec![(root, String::new(), 0usize)];
        while let Some(((lba, size), dpath, depth)) = stack.pop() {
            let shown = if dpath.is_empty() { "/" } else { &dpath };
            let Some(range) = fs.extent(lba, size.min(MAX_DIR_BYTES as u32) as u64) else {
                fs.err(format!(
                    "directory '{shown}' at block {lba} outside the image"
                ));
                continue;
            };
            let dir = data.slice(range);
            let recs = records(&mut fs, &dir, joliet);
            let mut i = 0;
            while i < recs.len() {
                let r = &recs[i];
                // a multi-extent file continues in the following records of the same name
                let mut parts = vec![(r.extent, r.size)];
                let mut j = i;
                while recs[j].flags & 0x80 != 0 && j + 1 < recs.len() && recs[j + 1].name == r.name
                {
                    j += 1;
                    parts.push((recs[j].extent, recs[j].size));
                }
                i = j + 1;
                if r.rr.relocated {
                    continue; // shown where its CL entry points from
                }
                let name = r.rr.name.clone().unwrap_or_else(|| r.name.clone());
                if name.is_empty() {
                    continue;
                }
                let p = if dpath.is_empty() {
                    name
                } else {
                    format!("{dpath}/{name}")
                };
                let rmode = r.rr.mode.unwrap_or(0);
                let is_dir = r.flags & 2 != 0 || r.rr.child_link.is_some();
                let meta = Meta {
                    mode: if r.rr.mode.is_some() {
                        rmode & 0o7777
                    } else if is_dir {
                        0o755
                    } else {
                        0o644
                    },
                    uid: r.rr.uid,
                    gid: r.rr.gid,
                    mtime: r.rr.mtime.unwrap_or(r.mtime),
                };
                if let Some(t) = &r.rr.symlink {
                    out.symlink(&p, meta, t)?;
                    continue;
                }
                match rmode & 0o170000 {
                    0o020000 => {
                        out.special(&p, EntryKind::CharDevice, meta)?;
                        continue;
                    }
                    0o060000 => {
                        out.special(&p, EntryKind::BlockDevice, meta)?;
                        continue;
                    }
                    0o010000 => {
                        out.special(&p, EntryKind::Fifo, meta)?;
                        continue;
                    }
                    0o140000 => {
                        out.special(&p, EntryKind::Socket, meta)?;
                        continue;
                    }
                    _ => {}
                }
                if is_dir {
                    out.dir(&p, meta)?;
                    let (dl, ds) = match r.rr.child_link {
                        // the relocated directory's own "." record has its size
                        Some(cl) => (cl, dot_size(&fs, cl).unwrap_or(SECTOR as u32)),
                        None => (r.extent, r.size),
                    };
                    if !visited.insert(dl) {
                        fs.err(format!(
                            "directory '{p}' at block {dl} already entered (cycle); not followed"
                        ));
                    } else if depth + 1 >= MAX_DEPTH {
                        out.limit(
                            "max-depth",
                            &format!("directory '{p}' nested deeper than {MAX_DEPTH}; not read"),
                        );
                    } else {
                        stack.push(((dl, ds), p, depth + 1));
                    }
                    continue;
                }
                let total: u64 = parts.iter().map(|x| x.1 as u64).sum();
                let content: Bytes = if parts.len() == 1 {
                    match fs.extent(r.extent, r.size as u64) {
                        Some(rg) => data.slice(rg),
                        None => {
                            fs.err(format!(
                                "'{p}': {} bytes at block {} outside the image",
                                r.size, r.extent
                            ));
                            continue;
                        }
                    }
                } else {
                    if out.check_alloc(&p, total).is_err() {
                        continue;
                    }
                    let mut v = Vec::with_capacity(total as usize);
                    for (lba, n) in &parts {
                        match fs.extent(*lba, *n as u64) {
                            Some(rg) => v.extend_from_slice(&data[rg]),
                            None => {
                                fs.err(format!("'{p}': extent at block {lba} outside the image"));
                                break;
                            }
                        }
                    }
                    Bytes::from(v)
                };
                if r.rr.zisofs || content.starts_with(&ZISOFS_MAGIC) {
                    match fs.zisofs(&content, &p, out) {
                        Ok(v) => out.file(&p, meta, v)?,
                        Err(FormatError::Limit(_)) => continue,
                        Err(e) => return Err(e),
                    }
                } else {
                    out.file(&p, meta, content)?;
                }
            }
        }
        if fs.errors.is_empty() {
            Ok(())
        } else {
            Err(FormatError::Invalid(fs.errors.join("; ")))
        }
    }
}

/// Size of the directory at `lba` from its own "." record.
fn dot_size(fs: &Fs, lba: u32) -> Option<u32> {
    let r = fs.extent(lba, 34)?;
    let rec = &fs.d[r];
    if rec[0] < 34 {
        return None;
    }
    le32(rec, 10)
}

/// Does the root directory's "." record carry a Rock Ridge SP entry? Sets the SUSP skip.
fn root_has_rock_ridge(fs: &mut Fs, lba: u32) -> bool {
    let Some(r) = fs.extent(lba, 34) else {
        return false;
    };
    let rec = &fs.d[r.start..];
    let len = rec[0] as usize;
    let name_len = rec[32] as usize;
    let su_start = 33 + name_len + (name_len + 1) % 2;
    let Some(su) = rec.get(su_start..len) else {
        return false;
    };
    let rr = su.len() >= 7 && &su[..2] == b"SP" && su[4] == 0xbe && su[5] == 0xef;
    if rr {
        fs.susp_skip = su[6] as usize;
    }
    rr
}

/// Every record of a directory (without "." and "..").
fn records(fs: &mut Fs, dir: &[u8], joliet: bool) -> Vec<Record> {
    let mut out = Vec::new();
    let mut p = 0usize;
    while p < dir.len() {
        let len = dir[p] as usize;
        if len == 0 {
            // records never cross a sector: continue at the next one
            p = (p / SECTOR + 1) * SECTOR;
            continue;
        }
        if len < 34 || p + len > dir.len() {
            fs.err(format!(
                "directory record at +{p:#x} has length {len}; rest skipped"
            ));
            break;
        }
        let rec = &dir[p..p + len];
        p += len;
        let name_len = rec[32] as usize;
        let Some(raw) = rec.get(33..33 + name_len) else {
            continue;
        };
        if name_len == 1 && (raw[0] == 0 || raw[0] == 1) {
            continue;
        }
        let mut name = if joliet {
            let units: Vec<u16> = raw
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16_lossy(&units)
        } else {
            String::from_utf8_lossy(raw).into_owned()
        };
        if let Some(i) = name.rfind(';') {
            name.truncate(i);
        }
        if rec[25] & 2 == 0 && name.ends_with('.') {
            name.pop();
        }
        let mut rr = Rr::default();
        if fs.rock_ridge {
            let su_start = 33 + name_len + (name_len + 1) % 2 + fs.susp_skip;
            if let Some(su) = rec.get(su_start..) {
                fs.susp(su, &mut rr);
            }
        }
        // inside the record: `len >= 34`
        let (Some(extent), Some(size)) = (le32(rec, 2), le32(rec, 10)) else {
            continue;
        };
        out.push(Record {
            name,
            flags: rec[25],
            extent,
            size,
            mtime: record_time(&rec[18..25]),
            rr,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Limits, Unpacker};

    /// A directory record with an optional System Use area.
    fn rec(name: &[u8], lba: u32, size: u32, dir: bool, su: &[u8]) -> Vec<u8> {
        let mut r = vec![0u8; 33];
        r[2..6].copy_from_slice(&lba.to_le_bytes());
        r[6..10].copy_from_slice(&lba.to_be_bytes());
        r[10..14].copy_from_slice(&size.to_le_bytes());
        r[14..18].copy_from_slice(&size.to_be_bytes());
        r[18..25].copy_from_slice(&[124, 1, 2, 3, 4, 5, 0]); // 2024-01-02 03:04:05
        r[25] = if dir { 2 } else { 0 };
        r[32] = name.len() as u8;
        r.extend(name);
        if r.len() % 2 == 1 {
            r.push(0);
        }
        r.extend(su);
        r[0] = r.len() as u8;
        r
    }

    fn px(mode: u32, uid: u32) -> Vec<u8> {
        let mut e = vec![b'P', b'X', 36, 1];
        for v in [mode, 1, uid, uid] {
            e.extend(v.to_le_bytes());
            e.extend(v.to_be_bytes());
        }
        e
    }

    fn nm(name: &str) -> Vec<u8> {
        let mut e = vec![b'N', b'M', (5 + name.len()) as u8, 1, 0];
        e.extend(name.as_bytes());
        e
    }

    fn sl(target: &str) -> Vec<u8> {
        let mut comps = Vec::new();
        for c in target.split('/') {
            if c.is_empty() {
                comps.extend([0x08, 0]);
            } else {
                comps.extend([0, c.len() as u8]);
                comps.extend(c.as_bytes());
            }
        }
        let mut e = vec![b'S', b'L', (5 + comps.len()) as u8, 1, 0];
        e.extend(comps);
        e
    }

    /// Sectors: 16 PVD, 17 terminator, 18 root dir, 19 "etc" dir, 20.. file data.
    fn image(rock_ridge: bool, extra_root: &[Vec<u8>]) -> Vec<u8> {
        let mut img = vec![0u8; 24 * SECTOR];
        let sp = if rock_ridge {
            vec![b'S', b'P', 7, 1, 0xbe, 0xef, 0]
        } else {
            Vec::new()
        };
        let rr = |v: Vec<Vec<u8>>| -> Vec<u8> {
            if rock_ridge {
                v.concat()
            } else {
                Vec::new()
            }
        };
        let mut root = Vec::new();
        root.extend(rec(&[0], 18, 2048, true, &[sp, px(0o40755, 0)].concat()));
        root.extend(rec(&[1], 18, 2048, true, &[]));
        root.extend(rec(
            b"ETC",
            19,
            2048,
            true,
            &rr(vec![px(0o40700, 0), nm("etc")]),
        ));
        root.extend(rec(
            b"README.TXT;1",
            20,
            12,
            false,
            &rr(vec![px(0o100644, 1000), nm("ReadMe.txt")]),
        ));
        if rock_ridge {
            root.extend(rec(
                b"SH.;1",
                0,
                0,
                false,
                &[px(0o120777, 0), nm("sh"), sl("/bin/busybox")].concat(),
            ));
        }
        for r in extra_root {
            root.extend(r);
        }
        img[18 * SECTOR..18 * SECTOR + root.len()].copy_from_slice(&root);
        let mut etc = Vec::new();
        etc.extend(rec(&[0], 19, 2048, true, &[]));
        etc.extend(rec(&[1], 18, 2048, true, &[]));
        etc.extend(rec(
            b"SHADOW.;1",
            21,
            20,
            false,
            &rr(vec![px(0o100600, 0), nm("shadow")]),
        ));
        img[19 * SECTOR..19 * SECTOR + etc.len()].copy_from_slice(&etc);
        img[20 * SECTOR..20 * SECTOR + 12].copy_from_slice(b"hello world\n");
        img[21 * SECTOR..21 * SECTOR + 20].copy_from_slice(b"root:$1$x$y:0:0:::\n\n");
        let pvd = &mut img[16 * SECTOR..17 * SECTOR];
        pvd[..7].copy_from_slice(b"\x01CD001\x01");
        pvd[80..84].copy_from_slice(&24u32.to_le_bytes());
        pvd[84..88].copy_from_slice(&24u32.to_be_bytes());
        pvd[128..130].copy_from_slice(&2048u16.to_le_bytes());
        pvd[130..132].copy_from_slice(&2048u16.to_be_bytes());
        let r = rec(&[0], 18, 2048, true, &[]);
        pvd[156..156 + 34].copy_from_slice(&r[..34]);
        img[17 * SECTOR..17 * SECTOR + 7].copy_from_slice(b"\xffCD001\x01");
        img
    }

    #[test]
    fn plain_iso9660_names() {
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(image(false, &[])));
        assert!(tree.errors.is_empty(), "{:?}", tree.errors);
        let r = tree.get("0x0.iso9660/README.TXT").expect("readme");
        assert_eq!(&r.data[..], b"hello world\n");
        assert_eq!(r.meta.mtime, 1_704_164_645);
        assert_eq!(
            &tree.get("0x0.iso9660/ETC/SHADOW").unwrap().data[..4],
            b"root"
        );
    }

    #[test]
    fn rock_ridge_names_modes_and_symlinks() {
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(image(true, &[])));
        assert!(tree.errors.is_empty(), "{:?}", tree.errors);
        let r = tree.get("0x0.iso9660/ReadMe.txt").expect("rock ridge name");
        assert_eq!((r.meta.mode, r.meta.uid), (0o644, 1000));
        let s = tree.get("0x0.iso9660/etc/shadow").unwrap();
        assert_eq!(s.meta.mode, 0o600);
        assert_eq!(tree.get("0x0.iso9660/etc").unwrap().meta.mode, 0o700);
        let sh = tree.get("0x0.iso9660/sh").unwrap();
        assert_eq!(sh.link_target.as_deref(), Some("/bin/busybox"));
    }

    #[test]
    fn hostile_cycle_traversal_name_and_huge_size() {
        let extra = vec![
            // a directory record pointing back at the root directory
            rec(
                b"LOOP",
                18,
                2048,
                true,
                &[px(0o40755, 0), nm("loop")].concat(),
            ),
            // a Rock Ridge name trying to leave the layer
            rec(
                b"EVIL.;1",
                20,
                12,
                false,
                &[px(0o100644, 0), nm("../../evil")].concat(),
            ),
            // a file claiming 4 GiB
            rec(
                b"BIG.;1",
                22,
                u32::MAX,
                false,
                &[px(0o100644, 0), nm("big")].concat(),
            ),
        ];
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(image(true, &extra)));
        assert!(tree.get("0x0.iso9660/loop").is_some());
        assert!(tree.get("0x0.iso9660/loop/etc").is_none());
        assert!(
            tree.get("0x0.iso9660/evil").is_some(),
            "normalized into the layer"
        );
        assert!(tree.get("0x0.iso9660/big").is_none());
        let all: Vec<&str> = tree.errors.iter().map(|e| e.error.as_str()).collect();
        let text = all.join("\n");
        assert!(
            text.contains("'loop' at block 18 already entered (cycle)"),
            "{text}"
        );
        assert!(
            text.contains("'big': 4294967295 bytes at block 22 outside"),
            "{text}"
        );
        assert!(text.contains("points outside the layer"), "{text}");
    }
}
