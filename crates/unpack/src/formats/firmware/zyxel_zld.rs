//! ZyXEL ZLD firmware archive (NWA512X, NWA55AX, WAC500 and other ZLD-based access points
//! and firewalls): a big-endian header with the magic `0xdeadbeaf`, one 272-byte record per
//! file, then the files; the kernel file starts with a 512-byte kernel header. Every
//! checksum is ZyXEL's MD5-based one: the four big-endian words of an MD5 digest added up.
//!
//! Written by hand: fixed headers; no maintained crate reads them. MD5 from `md-5`.
//!
//! ```text
//! 00000000  cc cc cc cc de ad be af  01 00 00 02 00 05 ab cd  |................|
//! 00000010  ff ff ff ff ff ff ff ff  00 00 10 e4 02 88 00 6c  |...............l|
//! struct fw_header {             // big-endian, 0x68 bytes
//!     u32  checksum;             // see below
//!     u32  magic = 0xdeadbeaf;
//!     u16  version, files_count, models_count /* 5 */, models[5];
//!     u32  total_length;         // the whole archive
//!     u16  files_offset;         // 0x68 + files_count * 0x110
//!     u16  header_length, info_length /* 0x110 */, padding[3];
//!     char capwap_version[32], model_name[32];
//! };
//! struct fw_header_file {        // 0x110 bytes each
//!     u16  type;                 // 1 bm, 2 kernel, 3 core, 4 db, 5 conf, 6 wtp
//!     u16  flags;
//!     u32  length, checksum, flash_offset;
//!     char filename[64], target[128], revision[32], date[32];
//! };
//! checksum(x) = sum of the 4 big-endian u32 words of MD5(x) (mod 2^32; 0 becomes 1)
//! header checksum = checksum(bytes 4..kernel, 512 zero bytes, bytes kernel+512..end)
//! file checksum   = checksum(file) (the kernel file without its 512-byte kernel header)
//! ```
//! (dump: the archive built by this module's tests; `cc`: the checksum)

use bytes::Bytes;
use md5::{Digest, Md5};

use crate::bytes::{be16, be32};
use crate::handler::*;
use crate::tree::Meta;

pub static DOC: FormatDoc = FormatDoc {
    name: "zyxel-zld",
    category: Category::Firmware,
    description: "ZyXEL ZLD firmware archive (magic 0xdeadbeaf, mkzyxelzldfw layout): every \
                  file is emitted under its file name (the kernel without its 512-byte kernel \
                  header, as mkzyxelzldfw -e does); the archive checksum and every file \
                  checksum (ZyXEL's MD5-based sum) are verified; model and version in the \
                  variant.",
    references: &[
        "openwrt/firmware-utils src/mkzyxelzldfw.c (struct fw_header, fw_header_file, \
         fw_header_kernel; checksum_calculate, checksum_finish)",
    ],
    limitations: "The archive checksum needs the kernel file (its header is left out of the \
                  sum): an archive without one is unpacked unverified. The checksums inside \
                  the kernel header (bm, kernel, zld, core) are not compared. Only the \
                  big-endian layout that mkzyxelzldfw writes is read.",
};

const MAGIC: [u8; 4] = [0xde, 0xad, 0xbe, 0xaf];
const HDR: usize = 0x68;
const REC: usize = 0x110;
const KERNEL_HDR: usize = 512;
const TYPE_KERNEL: u16 = 2;
const MAX_FILES: usize = 32;

pub struct ZyxelZld;

struct File {
    kind: u16,
    off: usize,
    len: usize,
    checksum: u32,
    name: String,
}

struct Header {
    version: u16,
    total: usize,
    model: String,
    files: Vec<File>,
}

fn text(f: &[u8]) -> Option<String> {
    let s = &f[..memchr::memchr(0, f).unwrap_or(f.len())];
    s.iter()
        .all(|&c| (0x20..0x7f).contains(&c))
        .then(|| String::from_utf8_lossy(s).into_owned())
}

fn type_name(t: u16) -> &'static str {
    match t {
        1 => "bm",
        2 => "kernel",
        3 => "core",
        4 => "db",
        5 => "conf",
        6 => "wtp",
        _ => "file",
    }
}

fn parse(d: &[u8]) -> Option<Header> {
    if d.get(4..8)? != MAGIC || be16(d, 0x0c)? != 5 {
        return None;
    }
    let n = be16(d, 0x0a)? as usize;
    let total = be32(d, 0x18)? as usize;
    let files_offset = be16(d, 0x1c)? as usize;
    if n == 0 || n > MAX_FILES || files_offset != HDR + n * REC || total < files_offset {
        return None;
    }
    let model = text(d.get(0x48..0x68)?)?;
    let mut files = Vec::with_capacity(n);
    let mut off = files_offset;
    for i in 0..n {
        let r = d.get(HDR + i * REC..HDR + (i + 1) * REC)?;
        let kind = be16(r, 0)?;
        let len = be32(r, 4)? as usize;
        if off.checked_add(len)? > total {
            return None;
        }
        let name = text(&r[0x10..0x50])
            .filter(|s| !s.is_empty())
            .or_else(|| text(&r[0x50..0xd0]).filter(|s| !s.is_empty()))
            .unwrap_or_else(|| format!("{}{i}", type_name(kind)));
        files.push(File {
            kind,
            off,
            len,
            checksum: be32(r, 8)?,
            name,
        });
        off += len;
    }
    Some(Header {
        version: be16(d, 8)?,
        total,
        model,
        files,
    })
}

/// ZyXEL's checksum: the four big-endian words of the MD5 digest added up, 0 made 1.
fn finish(m: Md5) -> u32 {
    let d = m.finalize();
    let s = d.chunks_exact(4).fold(0u32, |s, w| {
        s.wrapping_add(u32::from_be_bytes([w[0], w[1], w[2], w[3]]))
    });
    s.max(1)
}

fn zld_checksum(d: &[u8]) -> u32 {
    let mut m = Md5::new();
    m.update(d);
    finish(m)
}

/// The archive checksum: bytes 4.. with the kernel header zeroed (`None` without a kernel
/// file, or when the archive is cut short).
fn archive_checksum(d: &[u8], h: &Header) -> Option<u32> {
    let k = h
        .files
        .iter()
        .find(|f| f.kind == TYPE_KERNEL && f.len >= KERNEL_HDR)?;
    let mut m = Md5::new();
    m.update(d.get(4..k.off)?);
    m.update([0u8; KERNEL_HDR]);
    m.update(d.get(k.off + KERNEL_HDR..h.total)?);
    Some(finish(m))
}

/// A file's bytes as its checksum covers them (the kernel without its header).
fn content<'a>(d: &'a [u8], f: &File) -> Option<&'a [u8]> {
    let skip = if f.kind == TYPE_KERNEL && f.len >= KERNEL_HDR {
        KERNEL_HDR
    } else {
        0
    };
    d.get(f.off + skip..f.off + f.len)
}

impl Handler for ZyxelZld {
    fn doc(&self) -> &'static FormatDoc {
        &DOC
    }

    fn magics(&self) -> &'static [Magic] {
        static M: [Magic; 1] = [Magic::at(&MAGIC, 4)];
        &M
    }

    fn identify(&self, data: &[u8], start: usize, _probe: &Probe) -> Option<Chunk> {
        let d = data.get(start..)?;
        let h = parse(d)?;
        let mut variant = format!(
            "{} version {:#06x}, {} files",
            h.model,
            h.version,
            h.files.len()
        );
        let mut checks = Vec::new();
        if h.total > d.len() {
            variant.push_str(&format!(" truncated ({} of {} bytes)", d.len(), h.total));
        } else {
            match archive_checksum(d, &h) {
                Some(c) => checks.push(Check::u32(
                    "checksum",
                    "ZyXEL MD5 sum (4 big-endian words of MD5 added) of bytes 4..end with the \
                     512-byte kernel header zeroed",
                    be32(d, 0)?,
                    c,
                )),
                None => variant.push_str(" (no kernel: archive checksum not verifiable)"),
            }
            for f in &h.files {
                let c = zld_checksum(content(d, f)?);
                checks.push(Check::u32(
                    "file.checksum",
                    format!("ZyXEL MD5 sum of file '{}'", f.name),
                    f.checksum,
                    c,
                ));
            }
        }
        note_mismatches(&mut variant, &checks);
        Some(Chunk {
            start,
            end: start + h.total.min(d.len()),
            variant,
            checks,
            ..Chunk::default()
        })
    }

    fn extract(&self, data: &Bytes, _chunk: &Chunk, out: &mut Sink) -> FormatResult<()> {
        let Some(h) = parse(data) else {
            return invalid("ZLD header does not parse");
        };
        for f in &h.files {
            let skip = if f.kind == TYPE_KERNEL && f.len >= KERNEL_HDR {
                KERNEL_HDR
            } else {
                0
            };
            let a = (f.off + skip).min(data.len());
            let b = (f.off + f.len).min(data.len());
            out.file(&f.name, Meta::mode(0o644), data.slice(a..b))?;
        }
        Ok(())
    }
}

/// Build an archive as mkzyxelzldfw does (tests): `files` are (type, name, content); a
/// kernel gets the 512-byte kernel header.
#[cfg(test)]
pub(crate) fn build(model: &str, files: &[(u16, &str, &[u8])]) -> Vec<u8> {
    let n = files.len();
    let mut out = vec![0u8; HDR + n * REC];
    out[4..8].copy_from_slice(&MAGIC);
    out[8..10].copy_from_slice(&0x100u16.to_be_bytes());
    out[0x0a..0x0c].copy_from_slice(&(n as u16).to_be_bytes());
    out[0x0c..0x0e].copy_from_slice(&5u16.to_be_bytes());
    out[0x0e..0x10].copy_from_slice(&0xabcdu16.to_be_bytes());
    out[0x10..0x18].fill(0xff);
    out[0x1c..0x1e].copy_from_slice(&((HDR + n * REC) as u16).to_be_bytes());
    out[0x1e..0x20].copy_from_slice(&(HDR as u16 + 4).to_be_bytes());
    out[0x20..0x22].copy_from_slice(&(REC as u16).to_be_bytes());
    out[0x28..0x31].copy_from_slice(b"undefined");
    out[0x48..0x48 + model.len()].copy_from_slice(model.as_bytes());
    for (i, (t, name, body)) in files.iter().enumerate() {
        let r = HDR + i * REC;
        let mut len = body.len();
        if *t == TYPE_KERNEL {
            let mut kh = vec![0u8; KERNEL_HDR];
            kh[..4].copy_from_slice(b"bm01");
            out.extend(kh);
            len += KERNEL_HDR;
        }
        out.extend_from_slice(body);
        out[r..r + 2].copy_from_slice(&t.to_be_bytes());
        out[r + 4..r + 8].copy_from_slice(&(len as u32).to_be_bytes());
        out[r + 8..r + 12].copy_from_slice(&zld_checksum(body).to_be_bytes());
        out[r + 0x10..r + 0x10 + name.len()].copy_from_slice(name.as_bytes());
    }
    let total = out.len();
    out[0x18..0x1c].copy_from_slice(&(total as u32).to_be_bytes());
    let h = parse(&out).unwrap();
    let c = archive_checksum(&out, &h).unwrap();
    out[0..4].copy_from_slice(&c.to_be_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Limits, Unpacker};

    fn only() -> Vec<crate::handler::HandlerRef> {
        vec![std::sync::Arc::new(ZyxelZld)]
    }

    #[test]
    fn checksum_is_the_sum_of_the_md5_words() {
        // MD5("") = d41d8cd9 8f00b204 e9800998 ecf8427e
        let want = 0xd41d8cd9u32
            .wrapping_add(0x8f00b204)
            .wrapping_add(0xe9800998)
            .wrapping_add(0xecf8427e);
        assert_eq!(zld_checksum(b""), want);
        assert_eq!(want, 0x3996_8af3);
    }

    #[test]
    fn unpacks_every_file_and_verifies_every_checksum() {
        let img = build(
            "NWA512X-FAT",
            &[
                (TYPE_KERNEL, "openwrt-kernel.bin", b"kernel image bytes"),
                (3, "openwrt-rootfs.bin", b"hsqs root file system"),
            ],
        );
        assert_eq!(&img[4..8], &[0xde, 0xad, 0xbe, 0xaf]);
        assert_eq!(img.len(), HDR + 2 * REC + KERNEL_HDR + 18 + 21);
        let c = ZyxelZld.identify(&img, 0, &Probe::default()).unwrap();
        assert_eq!(c.variant, "NWA512X-FAT version 0x0100, 2 files");
        assert_eq!(c.end, img.len());
        assert_eq!(c.checks.len(), 3);
        assert!(c.checks.iter().all(Check::ok), "{:?}", c.checks);
        assert_eq!(
            c.checks[1].stored,
            format!("{:#010x}", zld_checksum(b"kernel image bytes"))
        );
        let mut padded = b"junk before".to_vec();
        padded.extend_from_slice(&img);
        padded.extend_from_slice(&[0xff; 64]);
        let tree =
            Unpacker::with_handlers(Limits::default(), only()).unpack_bytes(Bytes::from(padded));
        let k = tree.get("0xb.zyxel-zld/openwrt-kernel.bin").unwrap();
        assert_eq!(&k.data[..], b"kernel image bytes");
        let r = tree.get("0xb.zyxel-zld/openwrt-rootfs.bin").unwrap();
        assert_eq!(&r.data[..], b"hsqs root file system");
        assert_eq!(tree.integrity.len(), 3);
        assert!(tree.integrity.iter().all(|c| c.ok));
    }

    #[test]
    fn changed_byte_is_reported_with_stored_and_computed_values() {
        let img = build(
            "NWA55AXE",
            &[
                (1, "bm.bin", b"boot manager"),
                (TYPE_KERNEL, "kernel.bin", b"kernel"),
            ],
        );
        let stored_archive = be32(&img, 0).unwrap();
        let mut bad = img.clone();
        let n = bad.len();
        bad[n - 1] ^= 1; // last byte of the kernel
        let c = ZyxelZld.identify(&bad, 0, &Probe::default()).unwrap();
        let failed: Vec<&str> = c
            .checks
            .iter()
            .filter(|c| !c.ok())
            .map(|c| c.field)
            .collect();
        assert_eq!(failed, ["checksum", "file.checksum"]);
        assert_eq!(c.checks[0].stored, format!("{stored_archive:#010x}"));
        let h = parse(&bad).unwrap();
        assert_eq!(
            c.checks[0].computed,
            format!("{:#010x}", archive_checksum(&bad, &h).unwrap())
        );
        assert_eq!(
            c.checks[2].computed,
            format!("{:#010x}", zld_checksum(b"kernem"))
        );
        assert!(
            c.variant.ends_with("(checksum, file.checksum mismatch)"),
            "{}",
            c.variant
        );
        // the kernel header is outside the archive checksum
        let mut kh = img.clone();
        kh[HDR + 2 * REC + 12 + 5] ^= 1;
        let c = ZyxelZld.identify(&kh, 0, &Probe::default()).unwrap();
        assert!(c.checks.iter().all(Check::ok), "{:?}", c.checks);
        let tree =
            Unpacker::with_handlers(Limits::default(), only()).unpack_bytes(Bytes::from(bad));
        assert_eq!(tree.integrity.iter().filter(|c| !c.ok).count(), 2);
        assert_eq!(
            &tree.get("0x0.zyxel-zld/kernel.bin").unwrap().data[..],
            b"kernem"
        );
    }

    #[test]
    fn hostile_headers() {
        let img = build("X", &[(TYPE_KERNEL, "k", &[7u8; 600])]);
        let p = Probe::default();
        let mut bad = img.clone();
        bad[0x0d] = 4; // models_count must be 5
        assert!(ZyxelZld.identify(&bad, 0, &p).is_none());
        let mut bad = img.clone();
        bad[0x0b] = 0; // no files
        assert!(ZyxelZld.identify(&bad, 0, &p).is_none());
        let mut bad = img.clone();
        bad[HDR + 4..HDR + 8].copy_from_slice(&u32::MAX.to_be_bytes()); // file past the end
        assert!(ZyxelZld.identify(&bad, 0, &p).is_none());
        let mut bad = img.clone();
        bad[0x1c] = 9; // files_offset disagrees with the count
        assert!(ZyxelZld.identify(&bad, 0, &p).is_none());
        // cut short: no checks, the bytes present are kept
        let cut = &img[..img.len() - 100];
        let c = ZyxelZld.identify(cut, 0, &p).unwrap();
        assert!(c.checks.is_empty());
        assert!(c.variant.contains("truncated"), "{}", c.variant);
        let tree = Unpacker::with_handlers(Limits::default(), only())
            .unpack_bytes(Bytes::from(cut.to_vec()));
        assert_eq!(tree.get("0x0.zyxel-zld/k").unwrap().size, 500);
        for n in 0..HDR + REC {
            let _ = ZyxelZld.identify(&img[..n], 0, &p);
        }
    }
}
