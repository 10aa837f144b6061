//! FAT12/16/32 file systems with VFAT long names.
//!
//! Read by hand: the `fatfs` crate (used by the tests to write fixtures) follows cluster
//! chains without loop detection (a directory whose chain loops hangs its iterator), wants a
//! writable disk, and does not expose a directory's first cluster, which is what detects a
//! directory that contains one of its ancestors. Here every chain is followed with a visited
//! set, every directory cluster is visited once, and nesting is bounded.
//!
//! ```text
//! 00000000  eb 3c 90 6d 6b 66 73 2e  66 61 74 00 02 04 01 00  |.<.mkfs.fat.....|
//! 00000010  02 00 02 80 00 f8 01 00  20 00 40 00 00 00 00 00  |........ .@.....|
//! 00000030  59 20 20 20 20 20 46 41  54 31 32 20 20 20 0e 1f  |Y     FAT12   ..|
//! struct bpb {                 // little-endian
//!     u8  jmp[3];              // eb xx 90 or e9 xx xx
//!     char oem[8];
//!     u16 bytes_per_sector;    // 512..4096, power of two
//!     u8  sectors_per_cluster; // power of two
//!     u16 reserved_sectors; u8 num_fats; u16 root_entries; u16 total_sectors16;
//!     u8  media; u16 fat_size16; u16 spt; u16 heads; u32 hidden; u32 total_sectors32;
//!     // FAT12/16: u8 drive, reserved, sig 0x29; u32 volid; char label[11];
//!     //           char fs_type[8] = "FAT12   " / "FAT16   " / "FAT     "   (at 54)
//!     // FAT32:    u32 fat_size32; u16 flags, version; u32 root_cluster; u16 fsinfo, backup;
//!     //           u8 reserved[12]; u8 drive, reserved, sig; u32 volid; char label[11];
//!     //           char fs_type[8] = "FAT32   "                                 (at 82)
//! };
//! struct dirent { char name[11]; u8 attr; u8 nt_case; u8 ctime_10ms; u16 ctime, cdate,
//!                 adate, cluster_hi, mtime, mdate, cluster_lo; u32 size; };
//! // attr 0x0f: long-name part { u8 ord; u16 n1[5]; u8 attr; u8 type; u8 sum; u16 n2[6];
//! //                              u16 zero; u16 n3[2]; }, stored last part first
//! ```
//! The FAT type follows from the cluster count (< 4085: FAT12, < 65525: FAT16), as the
//! specification says, not from the `fs_type` string.

use bytes::Bytes;
use std::collections::HashSet;

use crate::bytes::{le16, le32};
use crate::handler::*;
use crate::tree::Meta;

/// Deepest directory nesting followed.
const MAX_DEPTH: usize = 64;
/// Most error messages kept for one image.
const MAX_ERRORS: usize = 16;

pub static DOC: FormatDoc = FormatDoc {
    name: "fat",
    category: Category::Filesystem,
    description: "FAT12/16/32 file system with VFAT long names; read-only attribute mapped to \
                  mode, modification time kept.",
    references: &[
        "Microsoft Extensible Firmware Initiative FAT32 File System Specification 1.03",
        "https://en.wikipedia.org/wiki/Design_of_the_FAT_file_system",
    ],
    limitations: "exFAT is not read. Deleted entries are not recovered. Only the first FAT copy \
                  is used.",
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FatType {
    Fat12,
    Fat16,
    Fat32,
}

#[derive(Debug, Clone)]
struct Geometry {
    fat_type: FatType,
    cluster_size: u64,
    fat_offset: u64,
    fat_bytes: u64,
    root_offset: u64,
    root_bytes: u64,
    data_offset: u64,
    clusters: u32,
    root_cluster: u32,
    total_bytes: u64,
}

fn geometry(d: &[u8]) -> Option<Geometry> {
    if d.len() < 512 || !(d[0] == 0xeb || d[0] == 0xe9) {
        return None;
    }
    let bps = le16(d, 11)? as u64;
    let spc = d[13] as u64;
    let reserved = le16(d, 14)? as u64;
    let nfats = d[16] as u64;
    let root_entries = le16(d, 17)? as u64;
    let total16 = le16(d, 19)? as u64;
    let media = d[21];
    let fat16 = le16(d, 22)? as u64;
    let total32 = le32(d, 32)? as u64;
    if !matches!(bps, 512 | 1024 | 2048 | 4096)
        || spc == 0
        || !spc.is_power_of_two()
        || reserved == 0
        || !(1..=4).contains(&nfats)
        || !(media == 0xf0 || media >= 0xf8)
    {
        return None;
    }
    let total = if total16 != 0 { total16 } else { total32 };
    let fat_size = if fat16 != 0 {
        fat16
    } else {
        le32(d, 36)? as u64
    };
    if total == 0 || fat_size == 0 {
        return None;
    }
    let root_sectors = (root_entries * 32).div_ceil(bps);
    let meta_sectors = reserved + nfats * fat_size + root_sectors;
    if meta_sectors >= total {
        return None;
    }
    let clusters = (total - meta_sectors) / spc;
    let fat_type = if clusters < 4085 {
        FatType::Fat12
    } else if clusters < 65525 {
        FatType::Fat16
    } else {
        FatType::Fat32
    };
    if (fat_type == FatType::Fat32) != (root_entries == 0) {
        return None;
    }
    // the FAT must be able to hold every cluster
    let needed = match fat_type {
        FatType::Fat12 => (clusters + 2) * 3 / 2,
        FatType::Fat16 => (clusters + 2) * 2,
        FatType::Fat32 => (clusters + 2) * 4,
    };
    if fat_size * bps < needed {
        return None;
    }
    let root_cluster = if fat_type == FatType::Fat32 {
        le32(d, 44)?
    } else {
        0
    };
    Some(Geometry {
        fat_type,
        cluster_size: bps * spc,
        fat_offset: reserved * bps,
        fat_bytes: fat_size * bps,
        root_offset: (reserved + nfats * fat_size) * bps,
        root_bytes: root_sectors * bps,
        data_offset: meta_sectors * bps,
        clusters: clusters.min(0x0fff_fff0) as u32,
        root_cluster,
        total_bytes: total * bps,
    })
}

struct Fs<'a> {
    d: &'a [u8],
    g: Geometry,
    errors: Vec<String>,
}

impl Fs<'_> {
    fn err(&mut self, msg: String) {
        if self.errors.len() < MAX_ERRORS {
            self.errors.push(msg);
        }
    }

    /// Next cluster in the chain, or `None` at the end (or on a bad value).
    fn next(&self, c: u32) -> Option<u32> {
        let fat = self
            .d
            .get(self.g.fat_offset as usize..)?
            .get(..self.g.fat_bytes as usize)?;
        let v = match self.g.fat_type {
            FatType::Fat12 => {
                let o = c as usize * 3 / 2;
                let w = u16::from_le_bytes([*fat.get(o)?, *fat.get(o + 1)?]);
                (if c & 1 == 1 { w >> 4 } else { w & 0xfff }) as u32
            }
            FatType::Fat16 => le16(fat, c as usize * 2)? as u32,
            FatType::Fat32 => le32(fat, c as usize * 4)? & 0x0fff_ffff,
        };
        (v >= 2 && v < self.g.clusters + 2).then_some(v)
    }

    fn cluster_bytes(&self, c: u32) -> Option<&[u8]> {
        let off = self.g.data_offset + (c as u64 - 2) * self.g.cluster_size;
        self.d
            .get(off as usize..)?
            .get(..self.g.cluster_size as usize)
    }

    /// The clusters of a chain, at most `max` of them; a loop ends it with an error.
    fn chain(&mut self, first: u32, max: u64, what: &str) -> Vec<u32> {
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        let mut c = first;
        if c < 2 || c >= self.g.clusters + 2 {
            self.err(format!("{what}: first cluster {c} out of range"));
            return out;
        }
        loop {
            if !seen.insert(c) {
                self.err(format!("{what}: cluster chain loops at cluster {c}"));
                break;
            }
            out.push(c);
            if out.len() as u64 >= max {
                break;
            }
            match self.next(c) {
                Some(n) => c = n,
                None => break,
            }
        }
        out
    }

    /// Raw bytes of a directory (root or cluster chain).
    fn dir_bytes(&mut self, cluster: u32, path: &str) -> Vec<u8> {
        if cluster == 0 {
            let o = self.g.root_offset as usize;
            let n = self.g.root_bytes as usize;
            return self
                .d
                .get(o..)
                .map(|r| r[..n.min(r.len())].to_vec())
                .unwrap_or_default();
        }
        // a FAT directory holds at most 65536 entries (2 MiB)
        let max = (2u64 << 20).div_ceil(self.g.cluster_size);
        let mut out = Vec::new();
        for c in self.chain(cluster, max, path) {
            match self.cluster_bytes(c) {
                Some(b) => out.extend_from_slice(b),
                None => {
                    self.err(format!("{path}: cluster {c} past the end of the image"));
                    break;
                }
            }
        }
        out
    }
}

struct DirEntry {
    name: String,
    attr: u8,
    cluster: u32,
    size: u32,
    mtime: i64,
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
pub(crate) fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

fn dos_time(date: u16, time: u16) -> i64 {
    if date == 0 {
        return 0;
    }
    let y = 1980 + (date >> 9) as i64;
    let m = ((date >> 5) & 15).clamp(1, 12) as i64;
    let d = (date & 31).max(1) as i64;
    let secs = (time >> 11) as i64 * 3600 + ((time >> 5) & 63) as i64 * 60 + (time & 31) as i64 * 2;
    days_from_civil(y, m, d) * 86400 + secs
}

fn short_name(raw: &[u8], nt_case: u8) -> String {
    let conv = |b: &[u8], lower: bool| -> String {
        let s: String = b
            .iter()
            .map(|&c| if c < 0x80 { c as char } else { '_' })
            .collect::<String>()
            .trim_end()
            .to_string();
        if lower {
            s.to_ascii_lowercase()
        } else {
            s
        }
    };
    let mut base = raw[..8].to_vec();
    if base[0] == 0x05 {
        base[0] = 0xe5;
    }
    let b = conv(&base, nt_case & 0x08 != 0);
    let e = conv(&raw[8..11], nt_case & 0x10 != 0);
    if e.is_empty() {
        b
    } else {
        format!("{b}.{e}")
    }
}

fn lfn_checksum(raw: &[u8]) -> u8 {
    raw[..11]
        .iter()
        .fold(0u8, |s, &c| (s >> 1 | (s & 1) << 7).wrapping_add(c))
}

/// The 13 UTF-16 units of a long-name entry.
fn lfn_chars(e: &[u8]) -> Option<[u16; 13]> {
    let mut chars = [0u16; 13];
    for (c, o) in chars
        .iter_mut()
        .zip([1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30])
    {
        *c = le16(e, o)?;
    }
    Some(chars)
}

/// Parse the entries of one directory, assembling long names.
fn parse_dir(raw: &[u8]) -> Vec<DirEntry> {
    let mut out = Vec::new();
    let mut lfn: Vec<(u8, [u16; 13])> = Vec::new();
    let mut lfn_sum = 0u8;
    for e in raw.chunks_exact(32) {
        if e[0] == 0 {
            break;
        }
        if e[0] == 0xe5 {
            lfn.clear();
            continue;
        }
        let attr = e[11];
        if attr & 0x3f == 0x0f {
            let Some(chars) = lfn_chars(e) else { continue };
            if e[0] & 0x40 != 0 {
                lfn.clear();
                lfn_sum = e[13];
            }
            lfn.push((e[0] & 0x1f, chars));
            continue;
        }
        if attr & 0x08 != 0 {
            lfn.clear();
            continue; // volume label
        }
        let mut name = None;
        if !lfn.is_empty() && lfn_checksum(e) == lfn_sum {
            // parts were stored last first: reverse by sequence number
            lfn.sort_by_key(|p| p.0);
            let units: Vec<u16> = lfn
                .iter()
                .flat_map(|p| p.1.iter().copied())
                .take_while(|&u| u != 0 && u != 0xffff)
                .collect();
            let s = String::from_utf16_lossy(&units);
            if !s.is_empty() {
                name = Some(s);
            }
        }
        lfn.clear();
        let name = name.unwrap_or_else(|| short_name(e, e[12]));
        if name == "." || name == ".." {
            continue;
        }
        // every field lies inside the 32-byte entry
        let (Some(hi), Some(lo), Some(size), Some(date), Some(time)) = (
            le16(e, 20),
            le16(e, 26),
            le32(e, 28),
            le16(e, 24),
            le16(e, 22),
        ) else {
            continue;
        };
        out.push(DirEntry {
            name,
            attr,
            cluster: (hi as u32) << 16 | lo as u32,
            size,
            mtime: dos_time(date, time),
        });
    }
    out
}

pub struct Fat;

impl Handler for Fat {
    fn doc(&self) -> &'static FormatDoc {
        &DOC
    }

    fn magics(&self) -> &'static [Magic] {
        static M: [Magic; 4] = [
            Magic::at(b"FAT12   ", 54),
            Magic::at(b"FAT16   ", 54),
            Magic::at(b"FAT     ", 54),
            Magic::at(b"FAT32   ", 82),
        ];
        &M
    }

    fn identify(&self, data: &[u8], start: usize, _probe: &Probe) -> Option<Chunk> {
        let d = data.get(start..)?;
        let g = geometry(d)?;
        // the first FAT entry repeats the media byte
        let fat0 = *d.get(g.fat_offset as usize)?;
        if fat0 != d[21] {
            return None;
        }
        let end = g.total_bytes.min(d.len() as u64) as usize;
        let mut c = Chunk::new(start, start + end);
        c.variant = match g.fat_type {
            FatType::Fat12 => "fat12",
            FatType::Fat16 => "fat16",
            FatType::Fat32 => "fat32",
        }
        .to_string();
        if g.total_bytes > d.len() as u64 {
            c.variant.push_str(" truncated");
        }
        Some(c)
    }

    fn extract(&self, data: &Bytes, _chunk: &Chunk, out: &mut Sink) -> FormatResult<()> {
        let Some(g) = geometry(data) else {
            return invalid("FAT boot sector no longer validates");
        };
        let root = if g.fat_type == FatType::Fat32 {
            g.root_cluster
        } else {
            0
        };
        let mut fs = Fs {
            d: data,
            g,
            errors: Vec::new(),
        };
        if fs.g.total_bytes > data.len() as u64 {
            fs.err(format!(
                "image has {} bytes, the boot sector claims {}",
                data.len(),
                fs.g.total_bytes
            ));
        }
        let mut visited = HashSet::new();
        visited.insert(root);
        let mut stack = vec![(root, String::new(), 0usize)];
        while let Some((cluster, path, depth)) = stack.pop() {
            let raw = fs.dir_bytes(cluster, if path.is_empty() { "/" } else { &path });
            for e in parse_dir(&raw) {
                let p = if path.is_empty() {
                    e.name.clone()
                } else {
                    format!("{path}/{}", e.name)
                };
                let ro = e.attr & 0x01 != 0;
                if e.attr & 0x10 != 0 {
                    let meta = Meta {
                        mode: if ro { 0o555 } else { 0o755 },
                        mtime: e.mtime,
                        ..Meta::default()
                    };
                    out.dir(&p, meta)?;
                    if e.cluster == 0 || e.cluster == root {
                        fs.err(format!("directory '{p}' points back to the root directory"));
                    } else if !visited.insert(e.cluster) {
                        fs.err(format!(
                            "directory '{p}' reuses cluster {} of another directory (cycle); not followed",
                            e.cluster
                        ));
                    } else if depth + 1 >= MAX_DEPTH {
                        out.limit(
                            "max-depth",
                            &format!("directory '{p}' nested deeper than {MAX_DEPTH}; not read"),
                        );
                    } else {
                        stack.push((e.cluster, p, depth + 1));
                    }
                    continue;
                }
                let meta = Meta {
                    mode: if ro { 0o444 } else { 0o644 },
                    mtime: e.mtime,
                    ..Meta::default()
                };
                let size = e.size as u64;
                if size == 0 {
                    out.file(&p, meta, Bytes::new())?;
                    continue;
                }
                out.check_alloc(&p, size)?;
                let max = size.div_ceil(fs.g.cluster_size);
                let chain = fs.chain(e.cluster, max, &p);
                let mut content = Vec::with_capacity(size.min(1 << 24) as usize);
                for c in chain {
                    match fs.cluster_bytes(c) {
                        Some(b) => content.extend_from_slice(b),
                        None => break,
                    }
                }
                if (content.len() as u64) < size {
                    fs.err(format!(
                        "'{p}': {} of {size} bytes readable; partial content kept",
                        content.len()
                    ));
                }
                content.truncate(size as usize);
                out.file(&p, meta, content)?;
            }
        }
        if fs.errors.is_empty() {
            Ok(())
        } else {
            Err(FormatError::Invalid(fs.errors.join("; ")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Limits, Unpacker};
    use std::io::{Cursor, Write};

    fn build(fat_type: fatfs::FatType, size: usize) -> Vec<u8> {
        let mut img = Cursor::new(vec![0u8; size]);
        let opts = fatfs::FormatVolumeOptions::new()
            .fat_type(fat_type)
            .volume_label(*b"NETVET     ");
        fatfs::format_volume(&mut img, opts).unwrap();
        {
            let fs = fatfs::FileSystem::new(&mut img, fatfs::FsOptions::new()).unwrap();
            let root = fs.root_dir();
            let etc = root.create_dir("etc").unwrap();
            let mut f = etc.create_file("passwd").unwrap();
            f.write_all(b"root:x:0:0:root:/root:/bin/sh\n").unwrap();
            let deep = etc.create_dir("init.d").unwrap();
            let mut f = deep
                .create_file("A very long file name with spaces.sh")
                .unwrap();
            f.write_all(&b"#!/bin/sh\necho hi\n".repeat(300)).unwrap();
            let mut f = root.create_file("README").unwrap();
            f.write_all(b"readme").unwrap();
        }
        img.into_inner()
    }

    #[test]
    fn fat12_fat16_fat32_with_long_names() {
        for (t, size, variant) in [
            (fatfs::FatType::Fat12, 1 << 20, "fat12"),
            (fatfs::FatType::Fat16, 16 << 20, "fat16"),
            (fatfs::FatType::Fat32, 40 << 20, "fat32"),
        ] {
            let mut img = vec![0xffu8; 4096];
            img.extend(build(t, size));
            let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img));
            assert!(tree.errors.is_empty(), "{variant}: {:?}", tree.errors);
            assert_eq!(tree.layers[0].variant, variant);
            assert_eq!(tree.layers[0].size, size as u64);
            let p = tree.get("0x1000.fat/etc/passwd").expect("passwd");
            assert_eq!(&p.data[..], b"root:x:0:0:root:/root:/bin/sh\n");
            assert_eq!(p.meta.mode, 0o644);
            let s = tree
                .get("0x1000.fat/etc/init.d/A very long file name with spaces.sh")
                .expect("long name");
            assert_eq!(s.size, 18 * 300);
            assert!(s.data.starts_with(b"#!/bin/sh\necho hi\n#!"));
            assert_eq!(&tree.get("0x1000.fat/README").unwrap().data[..], b"readme");
        }
    }

    #[test]
    fn directory_cycle_and_truncation_are_reported() {
        let img = build(fatfs::FatType::Fat16, 16 << 20);
        let g = geometry(&img).unwrap();
        // make etc/init.d point at etc's own cluster
        let root = &img[g.root_offset as usize..(g.root_offset + g.root_bytes) as usize];
        let etc = parse_dir(root)
            .into_iter()
            .find(|e| e.name == "etc")
            .unwrap();
        let etc_off = (g.data_offset + (etc.cluster as u64 - 2) * g.cluster_size) as usize;
        let mut img = img;
        let dir = img[etc_off..etc_off + 4096].to_vec();
        let pos = dir
            .chunks_exact(32)
            .position(|e| &e[..8] == b"INIT    ")
            .expect("init.d short entry");
        let o = etc_off + pos * 32;
        img[o + 26..o + 28].copy_from_slice(&(etc.cluster as u16).to_le_bytes());
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img.clone()));
        assert!(tree.get("0x0.fat/etc/passwd").is_some());
        assert!(tree.get("0x0.fat/etc/init.d").is_some());
        assert!(tree.get("0x0.fat/etc/init.d/passwd").is_none());
        assert_eq!(tree.errors.len(), 1);
        assert!(tree.errors[0].error.contains("cycle"), "{:?}", tree.errors);

        // cut the image in the middle of the data area: no panic, error recorded
        img.truncate(etc_off + 2048);
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img));
        assert!(tree.layers[0].variant.contains("truncated"));
        assert!(!tree.errors.is_empty());
    }

    #[test]
    fn random_boot_sector_is_rejected() {
        let mut d = vec![0u8; 1024];
        d[54..62].copy_from_slice(b"FAT16   ");
        assert!(Fat.identify(&d, 0, &Probe::default()).is_none());
        d[0] = 0xeb;
        d[11..13].copy_from_slice(&512u16.to_le_bytes());
        d[13] = 3; // not a power of two
        assert!(Fat.identify(&d, 0, &Probe::default()).is_none());
    }
}
