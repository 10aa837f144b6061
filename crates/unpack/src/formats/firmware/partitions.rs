//! MBR (DOS) and GPT partition tables: every partition becomes a raw file `part1`, `part2`,
//! ... (zero-copy slices of the image), so the engine finds the file system inside by itself.
//!
//! Written by hand: the tables are a few fixed-size records, and the partition crates on
//! crates.io (`mbrman`, `gptman`) read through `Read + Seek` with their own notion of a disk
//! and panic-free behaviour on hostile tables is not their stated goal; the checks a carver
//! needs (a table that is really a table, entries inside the image) are ours anyway.
//!
//! ```text
//! MBR (formats/mbr.bin):
//! 000001b8  9b a1 67 87 00 00 00 00  02 00 83 00 0a 00 01 00  |..g.............|
//! 000001c8  00 00 09 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|
//! 000001f8  00 00 00 00 00 00 55 aa                           |......U.|
//! struct mbr {
//!     u8  boot_code[440]; u32 disk_signature; u16 reserved;
//!     struct { u8 status;            // 0x00 or 0x80 (active)
//!              u8 chs_first[3]; u8 type; u8 chs_last[3];
//!              u32 lba_first; u32 sectors; } part[4];   // at 446, little-endian
//!     u16 signature = 0xaa55;        // bytes 55 aa at 510
//! };
//! // type 0x05/0x0f/0x85: extended partition, a chain of EBRs (same layout, entry 0 is the
//! // logical partition relative to this EBR, entry 1 the next EBR relative to the extended
//! // partition's start). Logical partitions are numbered from 5.
//! // type 0xee: protective MBR of a GPT disk.
//!
//! GPT header at LBA 1 (offset 512):
//! struct gpt_header {
//!     char signature[8] = "EFI PART"; u32 revision; u32 header_size;   // 92
//!     u32 header_crc32;              // over header_size bytes with this field zero
//!     u32 reserved; u64 my_lba; u64 alternate_lba; u64 first_usable_lba; u64 last_usable_lba;
//!     u8  disk_guid[16]; u64 partition_entry_lba; u32 num_entries; u32 entry_size; // 128
//!     u32 entries_crc32;
//! };
//! struct gpt_entry { u8 type_guid[16]; u8 unique_guid[16]; u64 first_lba; u64 last_lba;
//!                    u64 attributes; u16 name_utf16le[36]; };
//! ```

use bytes::Bytes;

use crate::bytes::{le32, le64};
use crate::handler::*;
use crate::tree::Meta;

const SECTOR: u64 = 512;
/// Most logical partitions followed in an EBR chain.
const MAX_LOGICAL: usize = 128;
/// Most GPT entries read (the usual table has 128).
const MAX_GPT_ENTRIES: u32 = 1024;

pub static MBR_DOC: FormatDoc = FormatDoc {
    name: "mbr",
    category: Category::Firmware,
    description: "DOS/MBR partition table with extended (EBR) partitions; each partition is \
                  emitted as `partN` (logical partitions from part5).",
    references: &[
        "https://en.wikipedia.org/wiki/Master_boot_record",
        "https://en.wikipedia.org/wiki/Extended_boot_record",
    ],
    limitations: "512-byte sectors only. A protective MBR (type 0xee) is left to the GPT handler.",
};

pub static GPT_DOC: FormatDoc = FormatDoc {
    name: "gpt",
    category: Category::Firmware,
    description: "GUID partition table (header and entry CRCs checked); each partition is \
                  emitted as `partN` in table order.",
    references: &["UEFI Specification 2.10, section 5.3 (GUID Partition Table Disk Layout)"],
    limitations: "512-byte logical blocks only; the backup table is not read when the primary \
                  one is damaged.",
};

#[derive(Debug, Clone, Copy)]
struct MbrEntry {
    status: u8,
    ptype: u8,
    lba: u32,
    sectors: u32,
}

fn mbr_entries(sector: &[u8]) -> Option<[MbrEntry; 4]> {
    let mut out = [MbrEntry {
        status: 0,
        ptype: 0,
        lba: 0,
        sectors: 0,
    }; 4];
    for (i, e) in out.iter_mut().enumerate() {
        let o = 446 + 16 * i;
        *e = MbrEntry {
            status: *sector.get(o)?,
            ptype: *sector.get(o + 4)?,
            lba: le32(sector, o + 8)?,
            sectors: le32(sector, o + 12)?,
        };
    }
    Some(out)
}

fn is_extended(t: u8) -> bool {
    matches!(t, 0x05 | 0x0f | 0x85)
}

/// A boot sector of a file system (FAT, NTFS, exFAT) also ends in 55 aa; its boot code would
/// be misread as partition entries.
fn looks_like_boot_sector(d: &[u8]) -> bool {
    let at = |o: usize, s: &[u8]| d.get(o..o + s.len()) == Some(s);
    at(3, b"NTFS    ") || at(3, b"EXFAT   ") || at(54, b"FAT") || at(82, b"FAT32")
}

pub struct Mbr;

impl Mbr {
    /// Validated primary entries of the MBR at `d[0..512]`, or `None` when it is no table.
    fn table(d: &[u8]) -> Option<[MbrEntry; 4]> {
        if d.len() < 512 || d[510] != 0x55 || d[511] != 0xaa || looks_like_boot_sector(d) {
            return None;
        }
        let ents = mbr_entries(d)?;
        let mut used = 0;
        for (i, e) in ents.iter().enumerate() {
            if e.status != 0 && e.status != 0x80 {
                return None;
            }
            if e.ptype == 0 {
                if e.lba != 0 || e.sectors != 0 || e.status != 0 {
                    return None;
                }
                continue;
            }
            if e.ptype == 0xee {
                return None; // GPT protective MBR: the GPT handler reads the disk
            }
            if e.lba == 0 || e.sectors == 0 {
                return None;
            }
            // partitions must not overlap each other
            let (a0, a1) = (e.lba as u64, e.lba as u64 + e.sectors as u64);
            for f in ents.iter().skip(i + 1).filter(|f| f.ptype != 0) {
                let (b0, b1) = (f.lba as u64, f.lba as u64 + f.sectors as u64);
                if a0 < b1 && b0 < a1 {
                    return None;
                }
            }
            used += 1;
        }
        (used > 0).then_some(ents)
    }
}

/// Emit `part{n}` as a slice of `data` covering sectors `[lba, lba+sectors)`; a partition
/// that reaches past the image is cut and reported.
fn emit(
    data: &Bytes,
    out: &mut Sink,
    n: usize,
    lba: u64,
    sectors: u64,
    errors: &mut Vec<String>,
) -> FormatResult<()> {
    let start = lba.saturating_mul(SECTOR);
    let end = lba.saturating_add(sectors).saturating_mul(SECTOR);
    let len = data.len() as u64;
    if start >= len {
        errors.push(format!(
            "partition {n} starts at byte {start:#x}, past the end of the image ({len:#x})"
        ));
        return Ok(());
    }
    if end > len {
        errors.push(format!(
            "partition {n} ends at byte {end:#x}, past the end of the image ({len:#x}); cut"
        ));
    }
    let end = end.min(len);
    out.file(
        &format!("part{n}"),
        Meta::mode(0o644),
        data.slice(start as usize..end as usize),
    )
}

impl Handler for Mbr {
    fn doc(&self) -> &'static FormatDoc {
        &MBR_DOC
    }

    fn magics(&self) -> &'static [Magic] {
        static M: [Magic; 1] = [Magic::at(b"\x55\xaa", 510)];
        &M
    }

    fn identify(&self, data: &[u8], start: usize, _probe: &Probe) -> Option<Chunk> {
        let d = data.get(start..)?;
        let ents = Mbr::table(d)?;
        // the table must describe something that is (at least partly) here
        let first = ents
            .iter()
            .filter(|e| e.ptype != 0)
            .map(|e| e.lba as u64 * SECTOR)
            .min()?;
        if first >= d.len() as u64 {
            return None;
        }
        let last = ents
            .iter()
            .filter(|e| e.ptype != 0)
            .map(|e| (e.lba as u64 + e.sectors as u64) * SECTOR)
            .max()?;
        let end = start + (last.min(d.len() as u64) as usize);
        let mut c = Chunk::new(start, end.max(start + 512));
        c.variant = if last > d.len() as u64 {
            "truncated".into()
        } else {
            String::new()
        };
        Some(c)
    }

    fn extract(&self, data: &Bytes, _chunk: &Chunk, out: &mut Sink) -> FormatResult<()> {
        let Some(ents) = Mbr::table(data) else {
            return invalid("MBR partition table no longer validates");
        };
        let mut errors = Vec::new();
        let mut logical = 5usize;
        for (i, e) in ents.iter().enumerate() {
            if e.ptype == 0 {
                continue;
            }
            if !is_extended(e.ptype) {
                emit(
                    data,
                    out,
                    i + 1,
                    e.lba as u64,
                    e.sectors as u64,
                    &mut errors,
                )?;
            } else {
                // the extended partition itself is only a container of EBRs: not emitted
                // walk the EBR chain; every link is relative to the extended partition
                let ext_base = e.lba as u64;
                let mut next = ext_base;
                let mut seen = std::collections::HashSet::new();
                for _ in 0..MAX_LOGICAL {
                    if !seen.insert(next) {
                        errors.push(format!("EBR chain loops back to sector {next}"));
                        break;
                    }
                    let off = next.saturating_mul(SECTOR);
                    let Some(ebr) = data.get(off as usize..(off as usize).saturating_add(512))
                    else {
                        errors.push(format!("EBR at sector {next} is past the end of the image"));
                        break;
                    };
                    if ebr[510] != 0x55 || ebr[511] != 0xaa {
                        errors.push(format!("EBR at sector {next} has no 55 aa signature"));
                        break;
                    }
                    let Some(le) = mbr_entries(ebr) else { break };
                    if le[0].ptype != 0 && le[0].sectors != 0 {
                        emit(
                            data,
                            out,
                            logical,
                            next + le[0].lba as u64,
                            le[0].sectors as u64,
                            &mut errors,
                        )?;
                        logical += 1;
                    }
                    if !is_extended(le[1].ptype) || le[1].lba == 0 {
                        break;
                    }
                    next = ext_base + le[1].lba as u64;
                }
                if logical - 5 >= MAX_LOGICAL {
                    out.limit(
                        "max-entries",
                        &format!("more than {MAX_LOGICAL} logical partitions; rest skipped"),
                    );
                }
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(FormatError::Invalid(errors.join("; ")))
        }
    }
}

pub struct Gpt;

struct GptPart {
    first: u64,
    last: u64,
}

impl Gpt {
    /// Parse the primary GPT of a disk starting at `d[0]`. Returns the used entries in table
    /// order (empty slots as `None`, so numbering follows the table).
    fn parse(d: &[u8]) -> Option<Vec<Option<GptPart>>> {
        let h = d.get(512..1024)?;
        if &h[..8] != b"EFI PART" {
            return None;
        }
        let hsize = le32(h, 12)? as usize;
        if !(92..=512).contains(&hsize) {
            return None;
        }
        let mut hdr = h[..hsize].to_vec();
        hdr[16..20].fill(0);
        if crc32fast::hash(&hdr) != le32(h, 16)? || le64(h, 24)? != 1 {
            return None;
        }
        let entry_lba = le64(h, 72)?;
        let count = le32(h, 80)?;
        let esize = le32(h, 84)?;
        if count == 0 || count > MAX_GPT_ENTRIES || !(128..=4096).contains(&esize) {
            return None;
        }
        let esize = esize as usize;
        let off = entry_lba.checked_mul(SECTOR)? as usize;
        let table = d.get(off..off.checked_add(count as usize * esize)?)?;
        if crc32fast::hash(table) != le32(h, 88)? {
            return None;
        }
        let mut parts = Vec::new();
        for raw in table.chunks_exact(esize) {
            if raw[..16].iter().all(|&b| b == 0) {
                parts.push(None);
                continue;
            }
            let first = le64(raw, 32)?;
            let last = le64(raw, 40)?;
            if last < first {
                parts.push(None);
                continue;
            }
            parts.push(Some(GptPart { first, last }));
        }
        // trailing empty slots do not count
        while matches!(parts.last(), Some(None)) {
            parts.pop();
        }
        (!parts.is_empty()).then_some(parts)
    }
}

impl Handler for Gpt {
    fn doc(&self) -> &'static FormatDoc {
        &GPT_DOC
    }

    fn magics(&self) -> &'static [Magic] {
        static M: [Magic; 1] = [Magic::at(b"EFI PART", 512)];
        &M
    }

    fn identify(&self, data: &[u8], start: usize, _probe: &Probe) -> Option<Chunk> {
        let d = data.get(start..)?;
        let parts = Gpt::parse(d)?;
        let last = parts
            .iter()
            .flatten()
            .map(|p| p.last.saturating_add(1).saturating_mul(SECTOR))
            .max()?;
        // the backup header sits in the last sector of the disk
        let h = &d[512..1024];
        let alt_end = le64(h, 32)
            .unwrap_or(0)
            .saturating_add(1)
            .saturating_mul(SECTOR);
        let end = last.max(alt_end).min(d.len() as u64) as usize;
        Some(Chunk::new(start, start + end.max(1024)))
    }

    fn extract(&self, data: &Bytes, _chunk: &Chunk, out: &mut Sink) -> FormatResult<()> {
        let Some(parts) = Gpt::parse(data) else {
            return invalid("GPT header no longer validates");
        };
        let mut errors = Vec::new();
        for (i, p) in parts.iter().enumerate() {
            if let Some(p) = p {
                emit(data, out, i + 1, p.first, p.last - p.first + 1, &mut errors)?;
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(FormatError::Invalid(errors.join("; ")))
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::engine::{Limits, Unpacker};

    /// An MBR sector with the given (type, lba, sectors) entries.
    pub(crate) fn mbr(parts: &[(u8, u32, u32)]) -> Vec<u8> {
        let mut s = vec![0u8; 512];
        s[440..444].copy_from_slice(&0x1234_5678u32.to_le_bytes());
        for (i, &(t, lba, n)) in parts.iter().enumerate() {
            let o = 446 + 16 * i;
            s[o + 4] = t;
            s[o + 8..o + 12].copy_from_slice(&lba.to_le_bytes());
            s[o + 12..o + 16].copy_from_slice(&n.to_le_bytes());
        }
        s[510] = 0x55;
        s[511] = 0xaa;
        s
    }

    #[test]
    fn mbr_primary_and_logical_partitions() {
        // sectors: 0 MBR, 1..3 part1, 4..9 extended (EBR at 4, logical at 5..6, EBR at 7,
        // logical at 8..9)
        let mut img = mbr(&[(0x83, 1, 3), (0x05, 4, 6)]);
        img.extend(b"AAAA".repeat(128 * 3));
        let mut ebr1 = mbr(&[(0x83, 1, 2), (0x05, 3, 3)]);
        ebr1[..4].copy_from_slice(b"ebr1");
        img.extend(ebr1);
        img.extend(b"BBBB".repeat(128 * 2));
        img.extend(mbr(&[(0x0b, 1, 2)]));
        img.extend(b"CCCC".repeat(128 * 2));
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img));
        let p1 = tree.get("0x0.mbr/part1").expect("part1");
        assert_eq!(p1.size, 1536);
        assert_eq!(&p1.data[..4], b"AAAA");
        assert!(
            tree.get("0x0.mbr/part2").is_none(),
            "extended container not emitted"
        );
        let p5 = tree.get("0x0.mbr/part5").expect("part5");
        assert_eq!(p5.size, 1024);
        assert_eq!(&p5.data[..4], b"BBBB");
        let p6 = tree.get("0x0.mbr/part6").expect("part6");
        assert_eq!(&p6.data[..4], b"CCCC");
        assert!(tree.get("0x0.mbr/part7").is_none());
        assert!(tree.errors.is_empty(), "{:?}", tree.errors);
    }

    #[test]
    fn mbr_rejects_boot_code_and_cuts_truncated_partition() {
        // random boot code ending in 55 aa is not a table
        let mut junk = vec![0x41u8; 512];
        junk[510] = 0x55;
        junk[511] = 0xaa;
        assert!(Mbr.identify(&junk, 0, &Probe::default()).is_none());
        // a partition claiming 4 GiB in a 2 KiB image is cut and reported
        let mut img = mbr(&[(0x83, 1, u32::MAX)]);
        img.extend(vec![7u8; 1536]);
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img));
        assert_eq!(tree.get("0x0.mbr/part1").unwrap().size, 1536);
        assert_eq!(tree.errors.len(), 1);
        assert!(
            tree.errors[0].error.contains("past the end"),
            "{:?}",
            tree.errors
        );
    }

    #[test]
    fn mbr_ebr_loop_is_bounded() {
        // extended partition at sectors 1..5; EBR at 1 -> logical at 2, next EBR at 1+2=3;
        // EBR at 3 -> logical at 4, next EBR at 3 again: a loop
        let mut img = mbr(&[(0x05, 1, 5)]);
        img.extend(mbr(&[(0x83, 1, 1), (0x05, 2, 2)]));
        img.extend(b"LOG5".repeat(128));
        img.extend(mbr(&[(0x83, 1, 1), (0x05, 2, 2)]));
        img.extend(b"LOG6".repeat(128));
        img.extend(vec![0u8; 512]);
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img));
        assert_eq!(&tree.get("0x0.mbr/part5").unwrap().data[..4], b"LOG5");
        assert_eq!(&tree.get("0x0.mbr/part6").unwrap().data[..4], b"LOG6");
        assert!(tree.get("0x0.mbr/part7").is_none());
        assert!(
            tree.errors.iter().any(|e| e.error.contains("loops back")),
            "{:?}",
            tree.errors
        );
    }

    /// A GPT disk of `sectors` sectors with the given (first, last, name) partitions.
    pub(crate) fn gpt(sectors: u64, parts: &[(u64, u64)]) -> Vec<u8> {
        let mut img = vec![0u8; (sectors * 512) as usize];
        img[..512].copy_from_slice(&mbr(&[(0xee, 1, (sectors - 1) as u32)]));
        let mut table = vec![0u8; 128 * 128];
        for (i, &(first, last)) in parts.iter().enumerate() {
            let e = &mut table[i * 128..(i + 1) * 128];
            e[..16].copy_from_slice(&[0x0f; 16]);
            e[16..32].copy_from_slice(&[i as u8 + 1; 16]);
            e[32..40].copy_from_slice(&first.to_le_bytes());
            e[40..48].copy_from_slice(&last.to_le_bytes());
            for (j, c) in "rootfs".encode_utf16().enumerate() {
                e[56 + 2 * j..58 + 2 * j].copy_from_slice(&c.to_le_bytes());
            }
        }
        let mut h = vec![0u8; 92];
        h[..8].copy_from_slice(b"EFI PART");
        h[8..12].copy_from_slice(&0x0001_0000u32.to_le_bytes());
        h[12..16].copy_from_slice(&92u32.to_le_bytes());
        h[24..32].copy_from_slice(&1u64.to_le_bytes());
        h[32..40].copy_from_slice(&(sectors - 1).to_le_bytes());
        h[40..48].copy_from_slice(&34u64.to_le_bytes());
        h[48..56].copy_from_slice(&(sectors - 34).to_le_bytes());
        h[72..80].copy_from_slice(&2u64.to_le_bytes());
        h[80..84].copy_from_slice(&128u32.to_le_bytes());
        h[84..88].copy_from_slice(&128u32.to_le_bytes());
        h[88..92].copy_from_slice(&crc32fast::hash(&table).to_le_bytes());
        let crc = crc32fast::hash(&h);
        h[16..20].copy_from_slice(&crc.to_le_bytes());
        img[512..604].copy_from_slice(&h);
        img[1024..1024 + table.len()].copy_from_slice(&table);
        img
    }

    #[test]
    fn gpt_partitions_in_table_order() {
        let mut img = gpt(64, &[(34, 39), (40, 50)]);
        img[34 * 512..34 * 512 + 5].copy_from_slice(b"first");
        img[40 * 512..40 * 512 + 6].copy_from_slice(b"second");
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img.clone()));
        let p1 = tree.get("0x0.gpt/part1").expect("part1");
        assert_eq!(p1.size, 6 * 512);
        assert_eq!(&p1.data[..5], b"first");
        assert_eq!(&tree.get("0x0.gpt/part2").unwrap().data[..6], b"second");
        assert_eq!(tree.layers.len(), 1);
        assert_eq!(tree.layers[0].size, 64 * 512);
        // a flipped bit in the entries breaks the CRC: no GPT
        img[1024 + 40] ^= 1;
        assert!(Gpt.identify(&img, 0, &Probe::default()).is_none());
    }
}
