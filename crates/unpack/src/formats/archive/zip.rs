//! ZIP archives (also .jar, .apk, .ipk-as-zip, OOXML): local headers, central directory,
//! Zip64, methods stored/deflate/bzip2/LZMA/zstd/xz.
//!
//! Written by hand rather than with the `zip` crate because the carver needs (a) the
//! archive's extent inside a larger blob, (b) recovery of archives whose central directory
//! is missing (truncated images) from the local headers, and (c) refusal of entries whose
//! data overlaps another entry's (the "overlapping files" zip bomb), none of which the
//! crate offers.
//!
//! ```text
//! 00000000  50 4b 03 04 0a 00 00 00  00 00 5a 80 d9 52 00 00  |PK........Z..R..|
//! struct zip_local_header {        // little-endian
//!     u32 sig = 0x04034b50; u16 version_needed; u16 flags;   // bit 0 encrypted, bit 3
//!                                                             // sizes in data descriptor,
//!                                                             // bit 11 UTF-8 names
//!     u16 method; u16 dos_time; u16 dos_date; u32 crc32;
//!     u32 compressed_size; u32 uncompressed_size; u16 name_len; u16 extra_len;
//! };  // name, extra, data, [data descriptor: [u32 0x08074b50] crc, csize, usize]
//! struct zip_central_header {
//!     u32 sig = 0x02014b50; u16 version_made_by;              // high byte 3 = Unix
//!     u16 version_needed; u16 flags; u16 method; u16 time; u16 date; u32 crc32;
//!     u32 csize; u32 usize; u16 name_len; u16 extra_len; u16 comment_len;
//!     u16 disk; u16 internal_attr; u32 external_attr;         // Unix mode << 16
//!     u32 local_header_offset;
//! };
//! struct zip_end_of_central_dir {
//!     u32 sig = 0x06054b50; u16 disk; u16 cd_disk; u16 entries_disk; u16 entries;
//!     u32 cd_size; u32 cd_offset; u16 comment_len;
//! };
//! ```

use bytes::Bytes;
use std::io::Read;

use crate::bytes::{le16, le32, le64};
use crate::handler::*;
use crate::tree::Meta;

pub static DOC: FormatDoc = FormatDoc {
    name: "zip",
    category: Category::Archive,
    description: "ZIP archive (and JAR/APK); Unix modes, symlinks and mtimes are kept; \
                  archives without a central directory are recovered from local headers.",
    references: &["PKWARE APPNOTE.TXT 6.3.10"],
    limitations: "Encrypted entries and methods other than stored, deflate, bzip2, LZMA, \
                  zstd and xz are reported, not extracted; multi-disk archives are not \
                  supported; entries with overlapping data are refused.",
};

pub struct Zip;

const LOCAL: &[u8; 4] = b"PK\x03\x04";
const CENTRAL: &[u8; 4] = b"PK\x01\x02";
const EOCD: &[u8; 4] = b"PK\x05\x06";
const EOCD64: &[u8; 4] = b"PK\x06\x06";
const LOC64: &[u8; 4] = b"PK\x06\x07";
const DESC: &[u8; 4] = b"PK\x07\x08";
const MAX_ENTRIES: usize = 1 << 21;

/// One entry, from the central directory when there is one, else from its local header.
#[derive(Debug, Clone)]
struct Item {
    name: String,
    flags: u16,
    method: u16,
    crc: u32,
    csize: u64,
    usize: u64,
    /// Unix `st_mode` when the creator was Unix.
    unix_mode: Option<u32>,
    mtime: i64,
    /// Offset of the local header.
    local: usize,
    /// Data range (filled in by [`locate`]).
    data: std::ops::Range<usize>,
}

/// Seconds since the epoch of an MS-DOS date and time (taken as UTC).
fn dos_time(date: u16, time: u16) -> i64 {
    let y = 1980 + i64::from(date >> 9);
    let m = i64::from((date >> 5) & 0x0f).clamp(1, 12);
    let d = i64::from(date & 0x1f).max(1);
    // days from civil (Howard Hinnant's algorithm)
    let (yy, mm) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let era = yy.div_euclid(400);
    let yoe = yy - era * 400;
    let doy = (153 * mm + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    days * 86_400
        + i64::from(time >> 11) * 3600
        + i64::from((time >> 5) & 0x3f) * 60
        + i64::from(time & 0x1f) * 2
}

/// Apply the Zip64 (0x0001) and extended timestamp (0x5455) extra fields.
fn extras(extra: &[u8], it: &mut Item, local_off32: Option<u32>) {
    let mut p = 0usize;
    while p + 4 <= extra.len() {
        let (Some(id), Some(len)) = (le16(extra, p), le16(extra, p + 2)) else {
            return;
        };
        let body = match extra.get(p + 4..p + 4 + len as usize) {
            Some(b) => b,
            None => return,
        };
        match id {
            0x0001 => {
                // only the fields whose 32-bit value is all ones are present, in this order
                let mut q = 0usize;
                if it.usize == 0xffff_ffff {
                    if let Some(v) = le64(body, q) {
                        it.usize = v;
                        q += 8;
                    }
                }
                if it.csize == 0xffff_ffff {
                    if let Some(v) = le64(body, q) {
                        it.csize = v;
                        q += 8;
                    }
                }
                if local_off32 == Some(0xffff_ffff) {
                    if let Some(v) = le64(body, q).and_then(|v| usize::try_from(v).ok()) {
                        it.local = v;
                    }
                }
            }
            0x5455 if body.len() >= 5 && body[0] & 1 != 0 => {
                if let Some(t) = le32(body, 1) {
                    it.mtime = i64::from(t as i32);
                }
            }
            _ => {}
        }
        p += 4 + len as usize;
    }
}

fn name_of(raw: &[u8]) -> String {
    String::from_utf8_lossy(raw).into_owned()
}

/// Parse the local header at `p`: the item and where its data starts.
fn local_header(d: &[u8], p: usize) -> Option<(Item, usize)> {
    if d.get(p..p + 4)? != LOCAL {
        return None;
    }
    let need = le16(d, p + 4)?;
    let flags = le16(d, p + 6)?;
    let method = le16(d, p + 8)?;
    let nlen = le16(d, p + 26)? as usize;
    let xlen = le16(d, p + 28)? as usize;
    // plausibility: a known spec version, a name, a method that exists. Some writers put the
    // host system in the high byte of "version needed" (0x0314: Unix, 2.0), as in "version
    // made by"; Info-ZIP reads only the low byte, so do the same.
    if need & 0xff > 100 || nlen == 0 || method > 99 {
        return None;
    }
    let name = d.get(p + 30..p + 30 + nlen)?;
    let extra = d.get(p + 30 + nlen..p + 30 + nlen + xlen)?;
    let mut it = Item {
        name: name_of(name),
        flags,
        method,
        crc: le32(d, p + 14)?,
        csize: u64::from(le32(d, p + 18)?),
        usize: u64::from(le32(d, p + 22)?),
        unix_mode: None,
        mtime: dos_time(le16(d, p + 12)?, le16(d, p + 10)?),
        local: p,
        data: 0..0,
    };
    extras(extra, &mut it, None);
    Some((it, p + 30 + nlen + xlen))
}

/// Where the data of a local entry with a data descriptor ends (sizes unknown in the
/// header): inflate a deflate stream, or look for a descriptor whose size matches.
fn descriptor_end(
    d: &[u8],
    data_start: usize,
    method: u16,
    max_work: u64,
) -> Option<(usize, u64, u64)> {
    let rest = d.get(data_start..)?;
    if method == 8 {
        let mut z = flate2::Decompress::new(false);
        let mut scratch = vec![0u8; 64 << 10];
        loop {
            let before = z.total_in() as usize;
            let st = z
                .decompress(&rest[before..], &mut scratch, flate2::FlushDecompress::None)
                .ok()?;
            if st == flate2::Status::StreamEnd {
                return Some((
                    data_start + z.total_in() as usize,
                    z.total_in(),
                    z.total_out(),
                ));
            }
            if (z.total_in() as usize == before && st == flate2::Status::BufError)
                || z.total_out() > max_work
            {
                return None;
            }
        }
    }
    // stored (or other): the first descriptor signature whose compressed size fits
    let mut off = 0usize;
    for _ in 0..4096 {
        let i = memchr::memmem::find(rest.get(off..)?, DESC)? + off;
        if le32(rest, i + 8).map(|c| c as usize) == Some(i) {
            return Some((data_start + i, i as u64, u64::from(le32(rest, i + 12)?)));
        }
        off = i + 1;
    }
    None
}

/// Walk consecutive local entries from the start: items and the offset after the last.
fn walk_local(d: &[u8], max_work: u64) -> (Vec<Item>, usize, Option<String>) {
    let mut out = Vec::new();
    let mut p = 0usize;
    while out.len() < MAX_ENTRIES {
        let Some((mut it, ds)) = local_header(d, p) else {
            break;
        };
        let desc = it.flags & 8 != 0;
        if desc && it.csize == 0 {
            match descriptor_end(d, ds, it.method, max_work) {
                Some((end, c, u)) => {
                    it.csize = c;
                    it.usize = u;
                    it.data = ds..end;
                }
                None => {
                    it.data = ds..d.len();
                    out.push(it);
                    return (
                        out,
                        d.len(),
                        Some("entry with a data descriptor could not be delimited".into()),
                    );
                }
            }
        } else {
            let end = usize::try_from(it.csize)
                .ok()
                .and_then(|c| ds.checked_add(c));
            match end {
                Some(e) if e <= d.len() => it.data = ds..e,
                _ => {
                    let e = format!(
                        "'{}' claims {} bytes, only {} left",
                        it.name,
                        it.csize,
                        d.len().saturating_sub(ds)
                    );
                    it.data = ds.min(d.len())..d.len();
                    out.push(it);
                    return (out, d.len(), Some(e));
                }
            }
        }
        p = it.data.end;
        if desc {
            // [signature] crc csize usize (sizes are 8 bytes each for Zip64)
            let sig = d.get(p..p + 4) == Some(DESC);
            p += if sig { 16 } else { 12 };
            let is_header =
                |at: usize| le32(d, at).is_some_and(|s| s == 0x0201_4b50 || s == 0x0403_4b50);
            if !is_header(p) && is_header(p + 8) {
                p += 8; // Zip64 descriptor
            }
            p = p.min(d.len());
        }
        out.push(it);
    }
    (out, p, None)
}

/// The central directory at `cd` (relative to the archive start), up to the end record:
/// items and the end of the archive.
fn central(d: &[u8], cd: usize) -> Option<(Vec<Item>, usize)> {
    let mut out = Vec::new();
    let mut p = cd;
    while d.get(p..p + 4)? == CENTRAL {
        if out.len() >= MAX_ENTRIES {
            return None;
        }
        let made = le16(d, p + 4)?;
        let nlen = le16(d, p + 28)? as usize;
        let xlen = le16(d, p + 30)? as usize;
        let clen = le16(d, p + 32)? as usize;
        let ext = le32(d, p + 38)?;
        let off32 = le32(d, p + 42)?;
        let name = d.get(p + 46..p + 46 + nlen)?;
        let extra = d.get(p + 46 + nlen..p + 46 + nlen + xlen)?;
        let mut it = Item {
            name: name_of(name),
            flags: le16(d, p + 8)?,
            method: le16(d, p + 10)?,
            crc: le32(d, p + 16)?,
            csize: u64::from(le32(d, p + 20)?),
            usize: u64::from(le32(d, p + 24)?),
            unix_mode: (made >> 8 == 3 && ext >> 16 != 0).then_some(ext >> 16),
            mtime: dos_time(le16(d, p + 14)?, le16(d, p + 12)?),
            local: off32 as usize,
            data: 0..0,
        };
        extras(extra, &mut it, Some(off32));
        out.push(it);
        p += 46 + nlen + xlen + clen;
    }
    // optional Zip64 end record and locator, then the end record
    if d.get(p..p + 4)? == EOCD64 {
        let size = usize::try_from(le64(d, p + 4)?).ok()?;
        p = p.checked_add(12)?.checked_add(size)?;
        if d.get(p..p + 4)? == LOC64 {
            p += 20;
        }
    }
    if d.get(p..p + 4)? != EOCD {
        return None;
    }
    let clen = le16(d, p + 20)? as usize;
    Some((out, (p + 22 + clen).min(d.len())))
}

/// Parse the whole archive: items, archive length, problem found.
fn parse(d: &[u8], max_work: u64) -> Option<(Vec<Item>, usize, Option<String>)> {
    let (local, q, err) = walk_local(d, max_work);
    if local.is_empty() {
        return None;
    }
    if err.is_none() {
        if let Some((items, end)) = central(d, q) {
            return Some((items, end, None));
        }
        // the directory may be elsewhere (entries the walk could not delimit): find an end
        // record whose directory offset points back into this archive
        let mut off = q;
        for _ in 0..64 {
            let Some(i) = d.get(off..).and_then(|r| memchr::memmem::find(r, EOCD)) else {
                break;
            };
            let e = off + i;
            if let (Some(size), Some(cdo)) = (le32(d, e + 12), le32(d, e + 16)) {
                let cdo = cdo as usize;
                if cdo.checked_add(size as usize) == Some(e) {
                    if let Some((items, end)) = central(d, cdo) {
                        return Some((items, end, None));
                    }
                }
            }
            off = e + 4;
        }
    }
    let e =
        err.unwrap_or_else(|| "no central directory; entries recovered from local headers".into());
    Some((local, q, Some(e)))
}

/// Find each central-directory item's data through its local header; refuse entries whose
/// local header + data overlap an earlier one.
fn locate(d: &[u8], items: &mut Vec<Item>, errors: &mut Vec<String>) {
    let mut keep = Vec::with_capacity(items.len());
    for mut it in items.drain(..) {
        if it.data.end > 0 {
            keep.push(it);
            continue;
        }
        let Some((_, ds)) = local_header(d, it.local) else {
            errors.push(format!("'{}': no local header at {:#x}", it.name, it.local));
            continue;
        };
        let end = usize::try_from(it.csize)
            .ok()
            .and_then(|c| ds.checked_add(c));
        match end {
            Some(e) if e <= d.len() => it.data = ds..e,
            _ => {
                errors.push(format!("'{}': data runs past the end", it.name));
                continue;
            }
        }
        keep.push(it);
    }
    let mut order: Vec<usize> = (0..keep.len()).collect();
    order.sort_by_key(|&i| (keep[i].local, keep[i].data.end));
    let mut bad = vec![false; keep.len()];
    let mut reach = 0usize;
    let mut overlaps = 0usize;
    for &i in &order {
        if keep[i].local < reach {
            bad[i] = true;
            overlaps += 1;
        } else {
            reach = keep[i].data.end;
        }
    }
    if overlaps > 0 {
        errors.push(format!(
            "{overlaps} entries overlap the data of other entries (zip bomb construction); not extracted"
        ));
    }
    *items = keep
        .into_iter()
        .zip(bad)
        .filter_map(|(it, b)| (!b).then_some(it))
        .collect();
}

fn decoder<'a>(
    method: u16,
    flags: u16,
    src: &'a [u8],
    usize: u64,
) -> Result<Box<dyn Read + 'a>, String> {
    Ok(match method {
        0 => Box::new(src),
        8 => Box::new(flate2::bufread::DeflateDecoder::new(src)),
        12 => Box::new(bzip2::bufread::BzDecoder::new(src)),
        14 => {
            // u8 major, u8 minor, u16 props size, props (5 bytes), raw LZMA
            let psize = le16(src, 2).ok_or("LZMA header truncated")? as usize;
            let props = src
                .get(4..4 + psize)
                .filter(|p| p.len() >= 5)
                .ok_or("LZMA props")?;
            let dict = u32::from_le_bytes([props[1], props[2], props[3], props[4]]);
            // flag bit 1: the stream has an end marker; otherwise it stops at the size
            let size = if flags & 2 != 0 { u64::MAX } else { usize };
            let r = lzma_rust2::LzmaReader::new_with_props(
                &src[4 + psize..],
                size,
                props[0],
                dict.max(4096),
                None,
            )
            .map_err(|e| format!("LZMA: {e}"))?;
            Box::new(r)
        }
        93 => Box::new(
            ruzstd::decoding::StreamingDecoder::new(src).map_err(|e| format!("zstd: {e}"))?,
        ),
        95 => Box::new(lzma_rust2::XzReader::new(src, false)),
        m => return Err(format!("compression method {m} not supported")),
    })
}

impl Handler for Zip {
    fn doc(&self) -> &'static FormatDoc {
        &DOC
    }

    fn magics(&self) -> &'static [Magic] {
        static M: [Magic; 1] = [Magic::at0(LOCAL)];
        &M
    }

    fn identify(&self, data: &[u8], start: usize, probe: &Probe) -> Option<Chunk> {
        let d = data.get(start..)?;
        let (_, len, err) = parse(d, probe.max_output)?;
        let mut c = Chunk::new(start, start + len.min(d.len()));
        if err.is_some() {
            c.variant = "damaged".into();
        }
        (len > 0).then_some(c)
    }

    fn extract(&self, data: &Bytes, _chunk: &Chunk, out: &mut Sink) -> FormatResult<()> {
        let (mut items, _, err) = parse(data, out.budget())
            .ok_or_else(|| FormatError::Invalid("zip: no local header".into()))?;
        let mut errors: Vec<String> = err.into_iter().collect();
        locate(data, &mut items, &mut errors);
        for it in items {
            let kind = it.unix_mode.map(|m| m & 0o170000);
            let mode = it
                .unix_mode
                .map(|m| m & 0o7777)
                .unwrap_or(if it.name.ends_with('/') { 0o755 } else { 0o644 });
            let meta = Meta {
                mode,
                mtime: it.mtime,
                ..Meta::default()
            };
            if it.name.ends_with('/') || kind == Some(0o040000) {
                out.dir(&it.name, meta)?;
                continue;
            }
            if it.flags & 1 != 0 {
                errors.push(format!("'{}' is encrypted; not extracted", it.name));
                continue;
            }
            let src = &data[it.data.clone()];
            let content = if it.method == 0 {
                data.slice(it.data.clone())
            } else {
                let r = match decoder(it.method, it.flags, src, it.usize) {
                    Ok(r) => r,
                    Err(e) => {
                        errors.push(format!("'{}': {e}", it.name));
                        continue;
                    }
                };
                // never more than the declared size (plus one byte to notice a lie)
                let (mut v, _) = out.read_bounded(r.take(it.usize.saturating_add(1)), "zip")?;
                if v.len() as u64 > it.usize {
                    v.truncate(it.usize as usize);
                    errors.push(format!(
                        "'{}' decodes to more than its declared {} bytes; cut",
                        it.name, it.usize
                    ));
                }
                v
            };
            if content.len() as u64 == it.usize && crc32fast::hash(&content) != it.crc {
                errors.push(format!("'{}': CRC mismatch", it.name));
            }
            if kind == Some(0o120000) {
                let t = String::from_utf8_lossy(&content).into_owned();
                if crate::formats::archive::tar::link_escapes(&it.name, &t) {
                    errors.push(format!(
                        "symlink '{}' -> '{t}' points above the archive root",
                        it.name
                    ));
                }
                out.symlink(&it.name, meta, &t)?;
            } else {
                out.file(&it.name, meta, content)?;
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(FormatError::Invalid(format!("zip: {}", errors.join("; "))))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Limits, Unpacker};
    use std::io::Write;

    struct Builder {
        out: Vec<u8>,
        cd: Vec<u8>,
        n: u16,
    }

    impl Builder {
        fn new() -> Builder {
            Builder {
                out: Vec::new(),
                cd: Vec::new(),
                n: 0,
            }
        }
        /// Add an entry; `deflate` compresses; `unix` sets the Unix mode in the directory.
        fn add(&mut self, name: &str, body: &[u8], deflate: bool, unix: u32) -> usize {
            let data = if deflate {
                let mut e =
                    flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
                e.write_all(body).unwrap();
                e.finish().unwrap()
            } else {
                body.to_vec()
            };
            let local = self.out.len();
            let crc = crc32fast::hash(body);
            let method: u16 = if deflate { 8 } else { 0 };
            let mut h = Vec::new();
            h.extend(20u16.to_le_bytes());
            h.extend(0u16.to_le_bytes());
            h.extend(method.to_le_bytes());
            h.extend(0x6000u16.to_le_bytes()); // 12:00:00
            h.extend(0x5021u16.to_le_bytes()); // 2020-01-01
            h.extend(crc.to_le_bytes());
            h.extend((data.len() as u32).to_le_bytes());
            h.extend((body.len() as u32).to_le_bytes());
            h.extend((name.len() as u16).to_le_bytes());
            h.extend(0u16.to_le_bytes());
            self.out.extend(LOCAL);
            self.out.extend(&h);
            self.out.extend(name.as_bytes());
            self.out.extend(&data);
            self.central(name, &h, unix, local as u32);
            local
        }
        fn central(&mut self, name: &str, h: &[u8], unix: u32, local: u32) {
            self.cd.extend(CENTRAL);
            self.cd.extend(0x031eu16.to_le_bytes());
            self.cd.extend(&h[..22]); // version needed .. uncompressed size
            self.cd.extend((name.len() as u16).to_le_bytes());
            self.cd.extend([0u8; 2 + 2 + 2 + 2]); // extra, comment, disk, internal
            self.cd.extend((unix << 16).to_le_bytes());
            self.cd.extend(local.to_le_bytes());
            self.cd.extend(name.as_bytes());
            self.n += 1;
        }
        fn finish(mut self) -> Vec<u8> {
            let cd_off = self.out.len() as u32;
            self.out.extend(&self.cd);
            self.out.extend(EOCD);
            self.out.extend([0u8; 4]);
            self.out.extend(self.n.to_le_bytes());
            self.out.extend(self.n.to_le_bytes());
            self.out.extend((self.cd.len() as u32).to_le_bytes());
            self.out.extend(cd_off.to_le_bytes());
            self.out.extend(0u16.to_le_bytes());
            self.out
        }
    }

    #[test]
    fn dos_time_is_utc_seconds() {
        assert_eq!(dos_time(0x5021, 0x6000), 1_577_880_000); // 2020-01-01 12:00:00
    }

    #[test]
    fn entries_modes_symlinks_and_extent() {
        let mut b = Builder::new();
        b.add("bin/", b"", false, 0o040755);
        let body = b"#!/bin/sh\necho compressed\n".repeat(50);
        b.add("bin/run.sh", &body, true, 0o100755);
        b.add("bin/sh", b"busybox", false, 0o120777);
        b.add("stored.txt", b"plain", false, 0);
        let z = b.finish();
        let mut img = vec![0x33u8; 40];
        img.extend(&z);
        img.extend([0x44u8; 40]);
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img));
        let r = tree.get("0x28.zip/bin/run.sh").unwrap();
        assert_eq!(
            (&r.data[..], r.meta.mode, r.meta.mtime),
            (&body[..], 0o755, 1_577_880_000)
        );
        assert_eq!(
            tree.get("0x28.zip/bin/sh").unwrap().link_target.as_deref(),
            Some("busybox")
        );
        assert_eq!(&tree.get("0x28.zip/stored.txt").unwrap().data[..], b"plain");
        assert_eq!(tree.layers[0].size, z.len() as u64);
        assert!(tree.errors.is_empty(), "{:?}", tree.errors);
    }

    #[test]
    fn overlapping_entries_are_refused() {
        // one deflated block of 1 MiB of zeros, referenced by 200 directory entries
        let mut b = Builder::new();
        b.add("a", &vec![0u8; 1 << 20], true, 0);
        let h: Vec<u8> = b.out[4..30].to_vec();
        for i in 1..200 {
            b.central(&format!("a{i}"), &h, 0, 0);
        }
        let z = b.finish();
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(z));
        assert_eq!(tree.get("0x0.zip/a").unwrap().size, 1 << 20);
        assert_eq!(tree.files().count(), 1);
        assert_eq!(tree.errors.len(), 1, "{:?}", tree.errors);
        assert!(
            tree.errors[0].error.contains("199 entries overlap"),
            "{:?}",
            tree.errors
        );
    }

    #[test]
    fn truncated_archive_recovers_local_entries() {
        let mut b = Builder::new();
        b.add("one.txt", b"first entry", false, 0);
        b.add("../two.txt", &b"second entry ".repeat(100), true, 0);
        let z = b.finish();
        let cut = z[..z.len() - 40].to_vec(); // directory damaged
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(cut));
        assert_eq!(
            &tree.get("0x0.zip/one.txt").unwrap().data[..],
            b"first entry"
        );
        assert_eq!(tree.get("0x0.zip/two.txt").unwrap().size, 1300);
        assert_eq!(tree.layers[0].variant, "damaged");
        assert!(
            tree.errors
                .iter()
                .any(|e| e.error.contains("no central directory")),
            "{:?}",
            tree.errors
        );
        assert!(
            tree.errors
                .iter()
                .any(|e| e.error.contains("outside the layer")),
            "{:?}",
            tree.errors
        );
    }

    #[test]
    fn lying_uncompressed_size_is_cut() {
        let mut b = Builder::new();
        b.add("x", &vec![7u8; 100_000], true, 0);
        let mut z = b.finish();
        // declare 10 bytes in the central directory (offset of usize there)
        let cd = memchr::memmem::find(&z, CENTRAL).unwrap();
        z[cd + 24..cd + 28].copy_from_slice(&10u32.to_le_bytes());
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(z));
        assert_eq!(tree.get("0x0.zip/x").unwrap().size, 10);
        assert!(
            tree.errors[0]
                .error
                .contains("more than its declared 10 bytes"),
            "{:?}",
            tree.errors
        );
    }
}
