//! UBI (Unsorted Block Images): a flash image of physical erase blocks (PEBs), each with an
//! erase-counter header and, when mapped, a volume-identifier header naming the volume and
//! the logical erase block (LEB) it holds. Each volume is assembled from its LEBs in logical
//! order (the copy with the highest sequence number wins) and emitted as a file named after
//! the volume; the engine then finds the UBIFS (or squashfs, ...) inside.
//!
//! Written by hand: no maintained Rust crate reads UBI; the format is two fixed headers and a
//! table.
//!
//! ```text
//! 00000000  55 42 49 23 01 00 00 00  00 00 00 00 00 00 00 00  |UBI#............|
//! 00000010  00 00 00 40 00 00 00 80  46 5b e1 2b 00 00 00 00  |...@....F[.+....|
//! 00000040  55 42 49 21 01 01 00 05  7f ff ef ff 00 00 00 00  |UBI!............|
//! struct ubi_ec_hdr {          // big-endian, 64 bytes at the start of every PEB
//!     char magic[4] = "UBI#"; u8 version = 1; u8 pad[3];
//!     u64 ec; u32 vid_hdr_offset; u32 data_offset; u32 image_seq; u8 pad[32];
//!     u32 hdr_crc;             // crc32 (init ~0, no final xor) of the first 60 bytes
//! };
//! struct ubi_vid_hdr {         // at vid_hdr_offset
//!     char magic[4] = "UBI!"; u8 version; u8 vol_type; // 1 dynamic, 2 static
//!     u8 copy_flag; u8 compat; u32 vol_id; u32 lnum; u8 pad[4];
//!     u32 data_size;           // static volumes: bytes used in this LEB
//!     u32 used_ebs; u32 data_pad; u32 data_crc; u8 pad[4]; u64 sqnum; u8 pad[12];
//!     u32 hdr_crc;
//! };
//! // LEB data at data_offset, leb_size = peb_size - data_offset - data_pad.
//! // The volume table is the layout volume 0x7fffefff (two copies, LEB 0 and 1):
//! struct ubi_vtbl_record {     // 172 bytes, record index = volume id
//!     u32 reserved_pebs; u32 alignment; u32 data_pad; u8 vol_type; u8 upd_marker;
//!     u16 name_len; char name[128]; u8 flags; u8 pad[23]; u32 crc;
//! };
//! ```

use bytes::Bytes;
use std::collections::BTreeMap;

use crate::bytes::{be16, be32, be64};
use crate::handler::*;
use crate::tree::Meta;

const LAYOUT_VOLUME: u32 = 0x7fff_efff;
const VTBL_RECORD: usize = 172;
const MAX_VOLUMES: usize = 128;
/// Highest LEB number accepted (a LEB number is a claim from the image).
const MAX_LNUM: u32 = 1 << 20;

pub static DOC: FormatDoc = FormatDoc {
    name: "ubi",
    category: Category::Filesystem,
    description: "UBI image: volumes assembled from their logical erase blocks (newest copy \
                  wins) and emitted as files named after the volume table entries.",
    references: &[
        "Linux include/uapi/mtd/ubi-user.h and drivers/mtd/ubi/ubi-media.h",
        "http://www.linux-mtd.infradead.org/doc/ubi.html",
    ],
    limitations: "Data CRCs of static volumes are not checked; fastmap is ignored (the image is \
                  scanned instead).",
};

/// The CRC used by UBI and UBIFS: crc32 with initial value ~0 and no final inversion.
pub(crate) fn mtd_crc(d: &[u8]) -> u32 {
    !crc32fast::hash(d)
}

#[derive(Debug, Clone, Copy)]
struct EcHdr {
    vid_off: usize,
    data_off: usize,
    image_seq: u32,
}

fn ec_hdr(d: &[u8]) -> Option<EcHdr> {
    let h = d.get(..64)?;
    if &h[..4] != b"UBI#" || h[4] != 1 || mtd_crc(&h[..60]) != be32(h, 60)? {
        return None;
    }
    let vid_off = be32(h, 16)? as usize;
    let data_off = be32(h, 20)? as usize;
    if vid_off < 64 || data_off < vid_off + 64 || data_off > 1 << 24 {
        return None;
    }
    Some(EcHdr {
        vid_off,
        data_off,
        image_seq: be32(h, 24)?,
    })
}

/// PEB size: the distance to the next valid EC header of the same image; a one-PEB image
/// is as long as the data.
fn peb_size(d: &[u8], ec: &EcHdr) -> usize {
    let mut k = (ec.data_off + 1).next_power_of_two().max(512);
    while k <= (16 << 20) && k < d.len() {
        if let Some(n) = ec_hdr(&d[k..]) {
            if n.image_seq == ec.image_seq {
                return k;
            }
        }
        k *= 2;
    }
    d.len()
}

/// The fields of a volume identifier header (`struct ubi_vid_hdr`, 64 bytes, big endian)
/// that the extraction reads: `u8 vol_type` at 5, `u32 vol_id` at 8, `u32 lnum` at 12,
/// `u32 data_size` at 20, `u32 used_ebs` at 24, `u32 data_pad` at 28, `u64 sqnum` at 40,
/// `u32 hdr_crc` at 60.
struct VidHdr {
    vol_type: u8,
    vol_id: u32,
    lnum: u32,
    data_size: u32,
    used_ebs: u32,
    data_pad: usize,
    sqnum: u64,
    hdr_crc: u32,
}

fn vid_hdr(v: &[u8]) -> Option<VidHdr> {
    Some(VidHdr {
        vol_type: *v.get(5)?,
        vol_id: be32(v, 8)?,
        lnum: be32(v, 12)?,
        data_size: be32(v, 20)?,
        used_ebs: be32(v, 24)?,
        data_pad: be32(v, 28)? as usize,
        sqnum: be64(v, 40)?,
        hdr_crc: be32(v, 60)?,
    })
}

#[derive(Debug, Clone)]
struct Leb {
    sqnum: u64,
    vol_type: u8,
    data_size: u32,
    used_ebs: u32,
    data: std::ops::Range<usize>,
}

pub struct Ubi;

impl Ubi {
    /// Validated geometry of the image at `d[0]`: (ec header, PEB size, PEB count).
    fn scan(d: &[u8]) -> Option<(EcHdr, usize, usize)> {
        let ec = ec_hdr(d)?;
        let peb = peb_size(d, &ec);
        if peb <= ec.data_off {
            return None;
        }
        // count PEBs; erased PEBs (all 0xff headers) inside the image belong to it when a
        // valid PEB follows them
        let mut n = 0usize;
        let mut i = 0usize;
        while let Some(p) = d.get(i * peb..) {
            match ec_hdr(p) {
                Some(e) if e.image_seq == ec.image_seq => {
                    i += 1;
                    n = i;
                }
                _ if p.len() >= 64 && p[..64].iter().all(|&b| b == 0xff) => i += 1,
                _ => break,
            }
        }
        Some((ec, peb, n))
    }
}

impl Handler for Ubi {
    fn doc(&self) -> &'static FormatDoc {
        &DOC
    }

    fn magics(&self) -> &'static [Magic] {
        static M: [Magic; 1] = [Magic::at0(b"UBI#\x01")];
        &M
    }

    fn identify(&self, data: &[u8], start: usize, _probe: &Probe) -> Option<Chunk> {
        let d = data.get(start..)?;
        let (_, peb, n) = Ubi::scan(d)?;
        let end = (peb * n).min(d.len());
        let mut c = Chunk::new(start, start + end);
        c.variant = format!("peb {peb}");
        Some(c)
    }

    fn extract(&self, data: &Bytes, _chunk: &Chunk, out: &mut Sink) -> FormatResult<()> {
        let Some((_, peb, n)) = Ubi::scan(data) else {
            return invalid("UBI erase-counter header no longer validates");
        };
        let mut errors: Vec<String> = Vec::new();
        // (vol_id, lnum) -> newest copy
        let mut lebs: BTreeMap<(u32, u32), Leb> = BTreeMap::new();
        for i in 0..n {
            let base = i * peb;
            let Some(p) = data.get(base..base + peb.min(data.len() - base)) else {
                break;
            };
            let Some(ec) = ec_hdr(p) else { continue };
            let Some(v) = p.get(ec.vid_off..ec.vid_off + 64) else {
                continue;
            };
            if &v[..4] != b"UBI!" {
                continue; // erased / unmapped PEB
            }
            let Some(h) = vid_hdr(v) else { continue };
            if mtd_crc(&v[..60]) != h.hdr_crc {
                if errors.len() < 16 {
                    errors.push(format!("PEB {i}: volume header CRC mismatch; skipped"));
                }
                continue;
            }
            let (vol_id, lnum) = (h.vol_id, h.lnum);
            if lnum >= MAX_LNUM || (vol_id as usize >= MAX_VOLUMES && vol_id != LAYOUT_VOLUME) {
                if errors.len() < 16 {
                    errors.push(format!("PEB {i}: volume {vol_id} LEB {lnum} out of range"));
                }
                continue;
            }
            let end = peb.min(p.len()).saturating_sub(h.data_pad);
            if end < ec.data_off {
                continue;
            }
            let leb = Leb {
                sqnum: h.sqnum,
                vol_type: h.vol_type,
                data_size: h.data_size,
                used_ebs: h.used_ebs,
                data: base + ec.data_off..base + end,
            };
            match lebs.get(&(vol_id, lnum)) {
                Some(old) if old.sqnum > leb.sqnum => {}
                _ => {
                    lebs.insert((vol_id, lnum), leb);
                }
            }
        }
        // names from the volume table (first copy that parses)
        let mut names: BTreeMap<u32, String> = BTreeMap::new();
        for copy in 0..2u32 {
            let Some(l) = lebs.get(&(LAYOUT_VOLUME, copy)) else {
                continue;
            };
            let t = &data[l.data.clone()];
            for (id, rec) in t.chunks_exact(VTBL_RECORD).take(MAX_VOLUMES).enumerate() {
                // `struct ubi_vtbl_record`: u32 reserved_pebs at 0, u16 name_len at 14,
                // u32 crc at 168
                let (Some(reserved), Some(name_len), Some(crc)) =
                    (be32(rec, 0), be16(rec, 14), be32(rec, 168))
                else {
                    continue;
                };
                let name_len = name_len as usize;
                if reserved == 0 || name_len == 0 || name_len > 127 {
                    continue;
                }
                if mtd_crc(&rec[..168]) != crc {
                    errors.push(format!("volume table record {id}: CRC mismatch"));
                    continue;
                }
                names.insert(
                    id as u32,
                    String::from_utf8_lossy(&rec[16..16 + name_len]).into_owned(),
                );
            }
            if !names.is_empty() {
                break;
            }
        }
        // assemble each volume
        let vols: Vec<u32> = {
            let mut v: Vec<u32> = lebs.keys().map(|k| k.0).collect();
            v.dedup();
            v.retain(|&id| id != LAYOUT_VOLUME);
            v
        };
        for vol in vols {
            let parts: Vec<(u32, &Leb)> = lebs
                .range((vol, 0)..=(vol, u32::MAX))
                .map(|(k, l)| (k.1, l))
                .collect();
            let Some(&(last_lnum, first)) = parts.last() else {
                continue;
            };
            let leb_size = first.data.len() as u64;
            let static_vol = first.vol_type == 2;
            let count = if static_vol {
                (first.used_ebs as u64).min(last_lnum as u64 + 1)
            } else {
                last_lnum as u64 + 1
            };
            let total = count.saturating_mul(leb_size);
            let raw = names.get(&vol).cloned().unwrap_or_default();
            let clean = raw.replace(['/', '\\'], "_");
            let name = if clean.is_empty() || clean == "." || clean == ".." {
                format!("vol{vol}")
            } else {
                clean
            };
            if out.check_alloc(&name, total).is_err() {
                continue;
            }
            let mut buf = Vec::with_capacity(total as usize);
            let mut missing = 0u32;
            let mut next = 0u32;
            for &(lnum, l) in &parts {
                if lnum as u64 >= count {
                    break;
                }
                while next < lnum {
                    buf.resize(buf.len() + leb_size as usize, 0xff);
                    missing += 1;
                    next += 1;
                }
                let mut d = &data[l.data.clone()];
                if static_vol {
                    d = &d[..(l.data_size as usize).min(d.len())];
                }
                buf.extend_from_slice(d);
                if !static_vol && (d.len() as u64) < leb_size {
                    buf.resize(buf.len() + (leb_size as usize - d.len()), 0xff);
                }
                next = lnum + 1;
            }
            if missing > 0 {
                errors.push(format!(
                    "volume '{name}': {missing} LEB(s) missing from the image; filled with 0xff"
                ));
            }
            if static_vol && (next as u64) < count {
                errors.push(format!(
                    "static volume '{name}': {} of {count} LEBs present",
                    next
                ));
            }
            out.file(&name, Meta::mode(0o644), buf)?;
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

    pub(crate) const PEB: usize = 2048;

    fn ec(seq: u32) -> Vec<u8> {
        let mut h = vec![0u8; 64];
        h[..4].copy_from_slice(b"UBI#");
        h[4] = 1;
        h[16..20].copy_from_slice(&64u32.to_be_bytes());
        h[20..24].copy_from_slice(&128u32.to_be_bytes());
        h[24..28].copy_from_slice(&seq.to_be_bytes());
        let c = mtd_crc(&h[..60]);
        h[60..64].copy_from_slice(&c.to_be_bytes());
        h
    }

    fn vid(vol_type: u8, vol: u32, lnum: u32, data_size: u32, used: u32, sqnum: u64) -> Vec<u8> {
        let mut h = vec![0u8; 64];
        h[..4].copy_from_slice(b"UBI!");
        h[4] = 1;
        h[5] = vol_type;
        h[8..12].copy_from_slice(&vol.to_be_bytes());
        h[12..16].copy_from_slice(&lnum.to_be_bytes());
        h[20..24].copy_from_slice(&data_size.to_be_bytes());
        h[24..28].copy_from_slice(&used.to_be_bytes());
        h[40..48].copy_from_slice(&sqnum.to_be_bytes());
        let c = mtd_crc(&h[..60]);
        h[60..64].copy_from_slice(&c.to_be_bytes());
        h
    }

    fn peb(vid_hdr: Option<Vec<u8>>, data: &[u8]) -> Vec<u8> {
        let mut p = vec![0xffu8; PEB];
        p[..64].copy_from_slice(&ec(7));
        if let Some(v) = vid_hdr {
            p[64..128].copy_from_slice(&v);
            p[128..128 + data.len()].copy_from_slice(data);
        }
        p
    }

    fn vtbl(vols: &[(u32, &str, u8)]) -> Vec<u8> {
        let mut t = Vec::new();
        for id in 0..8u32 {
            let mut r = vec![0u8; VTBL_RECORD];
            if let Some(&(_, name, vt)) = vols.iter().find(|v| v.0 == id) {
                r[..4].copy_from_slice(&4u32.to_be_bytes());
                r[4..8].copy_from_slice(&1u32.to_be_bytes());
                r[12] = vt;
                r[14..16].copy_from_slice(&(name.len() as u16).to_be_bytes());
                r[16..16 + name.len()].copy_from_slice(name.as_bytes());
            }
            let c = mtd_crc(&r[..168]);
            r[168..172].copy_from_slice(&c.to_be_bytes());
            t.extend(r);
        }
        t
    }

    /// A UBI image with a dynamic volume `rootfs` (id 0) whose LEBs 0 and 1 hold `a` and `b`
    /// (LEB 1 twice, the newer copy holding `b`), and a static volume `kernel` (id 1).
    pub(crate) fn image(a: &[u8], b: &[u8]) -> Vec<u8> {
        let t = vtbl(&[(0, "rootfs", 1), (1, "kernel", 2)]);
        let mut img = Vec::new();
        img.extend(peb(Some(vid(1, LAYOUT_VOLUME, 0, 0, 0, 1)), &t));
        img.extend(peb(Some(vid(1, LAYOUT_VOLUME, 1, 0, 0, 2)), &t));
        img.extend(peb(Some(vid(1, 0, 1, 0, 0, 9)), b));
        img.extend(peb(Some(vid(1, 0, 1, 0, 0, 3)), b"stale copy"));
        img.extend(peb(None, b""));
        img.extend(vec![0xff; PEB]); // erased, without an erase-counter header
        img.extend(peb(Some(vid(1, 0, 0, 0, 0, 4)), a));
        img.extend(peb(Some(vid(2, 1, 0, 11, 1, 5)), b"kernel data"));
        img
    }

    #[test]
    fn volumes_assembled_in_logical_order() {
        let mut data = vec![0u8; 100];
        data.extend(image(b"first leb", b"second leb"));
        data.extend(vec![0u8; 300]);
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(data));
        assert!(tree.errors.is_empty(), "{:?}", tree.errors);
        assert_eq!(tree.layers[0].offset, 100);
        assert_eq!(tree.layers[0].size, 8 * PEB as u64);
        let r = tree.get("0x64.ubi/rootfs").expect("rootfs volume");
        let leb = PEB - 128;
        assert_eq!(r.size, 2 * leb as u64);
        assert!(r.data.starts_with(b"first leb\xff"));
        assert_eq!(&r.data[leb..leb + 10], b"second leb");
        let k = tree.get("0x64.ubi/kernel").expect("static volume");
        assert_eq!(&k.data[..], b"kernel data");
    }

    #[test]
    fn hostile_lnum_and_bad_crc() {
        let mut img = image(b"a", b"b");
        // LEB number 0x7fffffff: rejected, not allocated
        let v = vid(1, 0, 0x7fff_ffff, 0, 0, 99);
        img[4 * PEB + 64..4 * PEB + 128].copy_from_slice(&v);
        // corrupt the kernel volume header CRC
        img[7 * PEB + 64 + 20] ^= 1;
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img));
        assert!(tree.get("0x0.ubi/rootfs").is_some());
        assert!(tree.get("0x0.ubi/kernel").is_none());
        let e = &tree.errors[0].error;
        assert!(
            e.contains("out of range") && e.contains("CRC mismatch"),
            "{e}"
        );
        // truncated in the middle of a PEB: no panic
        let img = image(b"a", b"b");
        let tree = Unpacker::new(Limits::default())
            .unpack_bytes(Bytes::from(img[..3 * PEB + 100].to_vec()));
        assert!(tree.get("0x0.ubi/rootfs").is_some());
    }
}
