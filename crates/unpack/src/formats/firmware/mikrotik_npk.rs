//! MikroTik RouterOS package (`.npk`): a little-endian magic and length followed by a list of
//! typed containers ("parts"): the package header, its description, dependencies, the files
//! (one zlib stream of file records), a squashfs image (RouterOS v6 and later), scripts,
//! architecture tag and signature parts.
//!
//! Written by hand: a small TLV list; no maintained crate reads it.
//!
//! ```text
//! 00000000  1e f1 d0 ba d7 00 00 00  01 00 22 00 00 00 72 6f  |.........."...ro|
//! 00000010  75 74 69 6e 67 00 00 00  00 00 00 00 00 00 31 00  |uting.........1.|
//! struct npk {                   // little-endian
//!     u32 magic = 0xbad0f11e;    // bytes 1e f1 d0 ba
//!     u32 payload_len;           // bytes after this field (all containers)
//!     struct container {
//!         u16 id;                // 1 part header, 2 description, 3 requirements,
//!                                // 4 zlib file data, 7/8 flags, 9 squashfs hash signature,
//!                                // 16 architecture, 21 squashfs, 22 null (padding),
//!                                // 23 EC-KCDSA signature, 24 release type, 25 pre-header
//!         u32 len;
//!         u8  payload[len];
//!     } containers[];
//! };
//! struct part_header {           // container 1
//!     char name[16];             // "routing", "system", ...
//!     u8 revision, rc, minor, major;
//!     u32 build_time;            // seconds since the epoch
//!     ...                        // flags
//! };
//! struct file_record {           // records of container 4, after zlib decoding
//!     u16 mode;                  // st_mode: file type and permission bits
//!     u16 zero[3];
//!     u32 times[3];              // create, access, modify
//!     u32 zero2;
//!     u32 len;                   // bytes of data
//!     u16 name_len;
//!     char name[name_len];       // "boot/kernel", no leading slash
//!     u8 data[len];              // symlinks: the target
//! };
//! ```
//!
//! The dump above is the package built by this module's tests (`build`). Files go under
//! `files/`, the squashfs image is emitted as `squashfs` (the engine opens it), every other
//! container as `NN-<type>` (its index and type) so that nothing is dropped unseen.

use bytes::Bytes;

use crate::bytes::{le16, le32};
use crate::handler::*;
use crate::tree::{EntryKind, Meta};

pub static DOC: FormatDoc = FormatDoc {
    name: "mikrotik-npk",
    category: Category::Firmware,
    description: "MikroTik RouterOS package (.npk): the files of the zlib file container are \
                  emitted under files/ with their modes and times, the squashfs part (v6+) as \
                  'squashfs', every other part (description, scripts, signatures) as NN-type; \
                  package name and version in the variant.",
    references: &[
        "botlabsDev/npkpy npkpy/npk/npk.py, npk_constants.py, pck_header.py (container ids)",
        "openwrt/firmware-utils src/npk_pack_kernel.c (container and zlib file record layout)",
        "ReFirmLabs/binwalk src/binwalk/magic/firmware (NPK firmware header)",
    ],
    limitations: "The package carries no checksum; its signature parts (9, squashfs hash \
                  signature; 23, EC-KCDSA) are emitted, not verified: their layout and \
                  MikroTik's signing scheme are not publicly documented. The zlib stream's \
                  Adler-32 is checked by the decoder.",
};

pub struct MikrotikNpk;

const MAGIC: [u8; 4] = [0x1e, 0xf1, 0xd0, 0xba];
const FILE_RECORD: usize = 30;

/// Name of a container type (npkpy's names).
fn type_name(id: u16) -> &'static str {
    match id {
        1 => "part-header",
        2 => "description",
        3 => "requirements",
        4 => "zlib-files",
        7 => "flag-a",
        8 => "flag-b",
        9 => "squashfs-hash-signature",
        16 => "architecture",
        17 => "flag-c",
        18 => "multicontainer-header",
        19 => "mpls",
        20 => "multicontainer-list",
        21 => "squashfs",
        22 => "null",
        23 => "eckcdsa-signature",
        24 => "release-type",
        25 => "pre-header",
        _ => "unknown",
    }
}

struct Container {
    id: u16,
    /// payload range in the package
    start: usize,
    end: usize,
}

struct Parsed {
    /// whole package length claimed by the header
    total: usize,
    containers: Vec<Container>,
    /// the last container runs past the data
    cut: bool,
}

fn parse(d: &[u8]) -> Option<Parsed> {
    if d.get(..4)? != MAGIC {
        return None;
    }
    let total = (le32(d, 4)? as usize).checked_add(8)?;
    let mut containers = Vec::new();
    let mut at = 8usize;
    let mut cut = false;
    while at < total {
        let (Some(id), Some(len)) = (le16(d, at), le32(d, at + 2)) else {
            cut = true;
            break;
        };
        // ids in use run 1..=30 (npkpy); anything else is not a package
        if id == 0 || id > 30 {
            return None;
        }
        let start = at + 6;
        let end = start.checked_add(len as usize)?;
        if end > total {
            return None;
        }
        containers.push(Container {
            id,
            start,
            end: end.min(d.len()),
        });
        if end > d.len() {
            cut = true;
            break;
        }
        at = end;
    }
    // a package starts with its header (1) or the v7 pre-header (25)
    match containers.first() {
        Some(c) if c.id == 1 || c.id == 25 || c.id == 18 => {}
        _ => return None,
    }
    Some(Parsed {
        total,
        containers,
        cut,
    })
}

/// "name major.minor.revision" from the part header.
fn package_name(d: &[u8], c: &Container) -> Option<String> {
    let p = d.get(c.start..c.end)?;
    let name = p.get(..16)?;
    let name = &name[..memchr::memchr(0, name).unwrap_or(16)];
    if name.is_empty() || !name.iter().all(|b| b.is_ascii_graphic()) {
        return None;
    }
    let (rev, minor, major) = (*p.get(16)?, *p.get(18)?, *p.get(19)?);
    Some(format!(
        "{} {major}.{minor}.{rev}",
        String::from_utf8_lossy(name)
    ))
}

impl Handler for MikrotikNpk {
    fn doc(&self) -> &'static FormatDoc {
        &DOC
    }

    fn magics(&self) -> &'static [Magic] {
        static M: [Magic; 1] = [Magic::at0(&MAGIC)];
        &M
    }

    fn identify(&self, data: &[u8], start: usize, _probe: &Probe) -> Option<Chunk> {
        let d = data.get(start..)?;
        let p = parse(d)?;
        let mut variant = p
            .containers
            .iter()
            .filter(|c| c.id == 1)
            .find_map(|c| package_name(d, c))
            .unwrap_or_else(|| "package".to_string());
        if let Some(a) = p.containers.iter().find(|c| c.id == 16) {
            let arch = &d[a.start..a.end];
            let arch = &arch[..memchr::memchr(0, arch).unwrap_or(arch.len())];
            if !arch.is_empty() && arch.iter().all(|b| b.is_ascii_graphic()) {
                variant.push_str(&format!(" {}", String::from_utf8_lossy(arch)));
            }
        }
        if p.cut {
            variant.push_str(&format!(" truncated ({} of {} bytes)", d.len(), p.total));
        }
        Some(Chunk {
            start,
            end: start + p.total.min(d.len()),
            variant,
            ..Chunk::default()
        })
    }

    fn extract(&self, data: &Bytes, _chunk: &Chunk, out: &mut Sink) -> FormatResult<()> {
        let Some(p) = parse(data) else {
            return invalid("MikroTik NPK container list does not parse");
        };
        for (i, c) in p.containers.iter().enumerate() {
            match c.id {
                22 => {}
                21 => out.file("squashfs", Meta::mode(0o644), data.slice(c.start..c.end))?,
                4 => {
                    let z = data.slice(c.start..c.end);
                    let (files, cut) =
                        out.read_bounded(flate2::read::ZlibDecoder::new(&z[..]), "npk zlib part")?;
                    records(&files, out)?;
                    if cut {
                        return Err(FormatError::Limit(
                            "npk file records truncated at the byte limit".into(),
                        ));
                    }
                }
                id => out.file(
                    &format!("{i:02}-{}", type_name(id)),
                    Meta::mode(0o644),
                    data.slice(c.start..c.end),
                )?,
            }
        }
        if p.cut {
            return truncated(format!(
                "MikroTik NPK claims {} bytes, {} present; the last container is cut",
                p.total,
                data.len()
            ));
        }
        Ok(())
    }
}

/// Emit the file records of a decoded container 4.
fn records(d: &Bytes, out: &mut Sink) -> FormatResult<()> {
    let mut at = 0usize;
    while at < d.len() {
        let (Some(mode), Some(mtime), Some(len), Some(name_len)) = (
            le16(d, at),
            le32(d, at + 16),
            le32(d, at + 24),
            le16(d, at + 28),
        ) else {
            return truncated(format!(
                "npk file record at {at:#x} of the zlib part: header cut ({} bytes left)",
                d.len() - at
            ));
        };
        let name_at = at + FILE_RECORD;
        let data_at = name_at + name_len as usize;
        let end = data_at.checked_add(len as usize).filter(|&e| e <= d.len());
        let Some(end) = end else {
            return truncated(format!(
                "npk file record at {at:#x} claims {} name and {len} data bytes, {} left",
                name_len,
                d.len() - name_at
            ));
        };
        let name = String::from_utf8_lossy(&d[name_at..data_at]).into_owned();
        let path = format!("files/{name}");
        let meta = Meta {
            mode: (mode as u32) & 0o7777,
            mtime: mtime as i64,
            ..Meta::default()
        };
        match (mode as u32) & 0o170000 {
            0o040000 => out.dir(&path, meta)?,
            0o120000 => {
                let target = String::from_utf8_lossy(&d[data_at..end]).into_owned();
                out.symlink(&path, meta, &target)?
            }
            0o100000 | 0 => out.file(&path, meta, d.slice(data_at..end))?,
            // devices, FIFOs, sockets: no content
            0o020000 => out.special(&path, EntryKind::CharDevice, meta)?,
            0o060000 => out.special(&path, EntryKind::BlockDevice, meta)?,
            0o010000 => out.special(&path, EntryKind::Fifo, meta)?,
            0o140000 => out.special(&path, EntryKind::Socket, meta)?,
            t => {
                return invalid(format!(
                    "npk file record '{name}' at {at:#x}: unknown file type {t:#o}"
                ))
            }
        }
        at = end;
    }
    Ok(())
}

/// Build a package (tests): a part header, a description, the files as one zlib part, an
/// optional squashfs part and a signature part.
#[cfg(test)]
pub(crate) fn build(name: &str, files: &[(&str, u16, &[u8])], squashfs: Option<&[u8]>) -> Vec<u8> {
    let mut recs = Vec::new();
    for (n, mode, data) in files {
        recs.extend_from_slice(&record(n, *mode, data.len() as u32));
        recs.extend_from_slice(data);
    }
    build_raw(name, &recs, squashfs)
}

/// A file record header and name (tests); the data follows it.
#[cfg(test)]
fn record(name: &str, mode: u16, len: u32) -> Vec<u8> {
    let mut r = Vec::new();
    r.extend_from_slice(&mode.to_le_bytes());
    r.extend_from_slice(&[0u8; 6]);
    r.extend_from_slice(&[0u8; 8]);
    r.extend_from_slice(&1_600_000_123u32.to_le_bytes());
    r.extend_from_slice(&[0u8; 4]);
    r.extend_from_slice(&len.to_le_bytes());
    r.extend_from_slice(&(name.len() as u16).to_le_bytes());
    r.extend_from_slice(name.as_bytes());
    r
}

#[cfg(test)]
fn build_raw(name: &str, recs: &[u8], squashfs: Option<&[u8]>) -> Vec<u8> {
    use std::io::Write;
    let mut parts: Vec<(u16, Vec<u8>)> = Vec::new();
    let mut hdr = vec![0u8; 34];
    hdr[..name.len()].copy_from_slice(name.as_bytes());
    hdr[16..20].copy_from_slice(&[49, 0, 3, 6]); // 6.3.49
    hdr[20..24].copy_from_slice(&1_600_000_000u32.to_le_bytes());
    parts.push((1, hdr));
    parts.push((2, b"test package".to_vec()));
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(recs).unwrap();
    parts.push((4, z.finish().unwrap()));
    if let Some(s) = squashfs {
        parts.push((21, s.to_vec()));
    }
    parts.push((9, vec![0x5a; 40]));
    let mut body = Vec::new();
    for (id, p) in parts {
        body.extend_from_slice(&id.to_le_bytes());
        body.extend_from_slice(&(p.len() as u32).to_le_bytes());
        body.extend_from_slice(&p);
    }
    let mut img = MAGIC.to_vec();
    img.extend_from_slice(&(body.len() as u32).to_le_bytes());
    img.extend_from_slice(&body);
    img
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Limits, Unpacker};

    fn sample() -> Vec<u8> {
        build(
            "routing",
            &[
                ("boot", 0o040755, b""),
                ("boot/kernel", 0o100755, b"\x7fELF kernel bytes"),
                ("etc/issue", 0o100644, b"MikroTik\n"),
                ("lib/libc.so", 0o120777, b"libuClibc.so"),
            ],
            None,
        )
    }

    #[test]
    fn files_and_parts_extracted() {
        let img = sample();
        assert_eq!(hex(&img[..8]), "1ef1d0bad7000000");
        assert_eq!(le32(&img, 4), Some(img.len() as u32 - 8));
        assert_eq!(
            hex(&img[8..0x20]),
            "010022000000726f7574696e670000000000000000003100"
        );
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img.clone()));
        assert!(tree.errors.is_empty(), "{:?}", tree.errors);
        assert_eq!(tree.layers[0].format, "mikrotik-npk");
        assert_eq!(tree.layers[0].variant, "routing 6.3.49");
        assert_eq!(tree.layers[0].size, img.len() as u64);
        let k = tree.get("0x0.mikrotik-npk/files/boot/kernel").unwrap();
        assert_eq!(&k.data[..], b"\x7fELF kernel bytes");
        assert_eq!(k.meta.mode, 0o755);
        assert_eq!(k.meta.mtime, 1_600_000_123);
        assert_eq!(
            &tree.get("0x0.mikrotik-npk/files/etc/issue").unwrap().data[..],
            b"MikroTik\n"
        );
        let l = tree.get("0x0.mikrotik-npk/files/lib/libc.so").unwrap();
        assert_eq!(l.link_target.as_deref(), Some("libuClibc.so"));
        assert_eq!(
            tree.get("0x0.mikrotik-npk/files/boot").unwrap().kind,
            EntryKind::Dir
        );
        assert_eq!(
            &tree.get("0x0.mikrotik-npk/01-description").unwrap().data[..],
            b"test package"
        );
        assert_eq!(
            tree.get("0x0.mikrotik-npk/03-squashfs-hash-signature")
                .unwrap()
                .size,
            40
        );
        // no checksum in the format: nothing to report
        assert!(tree.integrity.is_empty());
    }

    #[test]
    fn squashfs_part_emitted() {
        let img = build("system", &[], Some(b"hsqs-not-really-a-squashfs"));
        let c = MikrotikNpk.identify(&img, 0, &Probe::default()).unwrap();
        assert_eq!(c.variant, "system 6.3.49");
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img));
        assert_eq!(
            &tree.get("0x0.mikrotik-npk/squashfs").unwrap().data[..],
            b"hsqs-not-really-a-squashfs"
        );
    }

    #[test]
    fn hostile_packages() {
        let img = sample();
        // a container length past the package length: not a package
        let mut bad = img.clone();
        bad[10..14].copy_from_slice(&0xffff_fff0u32.to_le_bytes());
        assert!(MikrotikNpk.identify(&bad, 0, &Probe::default()).is_none());
        // unknown container id first
        let mut bad = img.clone();
        bad[8] = 0x7f;
        assert!(MikrotikNpk.identify(&bad, 0, &Probe::default()).is_none());
        // cut in the zlib part: accepted, reported, header parts kept
        let cut = img[..0x50].to_vec();
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(cut));
        assert!(
            tree.layers[0].variant.contains("truncated"),
            "{:?}",
            tree.layers
        );
        assert!(tree.get("0x0.mikrotik-npk/00-part-header").is_some());
        assert!(
            tree.errors
                .iter()
                .any(|e| e.error.to_lowercase().contains("npk")),
            "{:?}",
            tree.errors
        );
        // a file record claiming 4 GiB of data: the records before it are kept
        let mut recs = record("ok", 0o100644, 2);
        recs.extend_from_slice(b"ok");
        recs.extend_from_slice(&record("huge", 0o100644, u32::MAX));
        recs.extend_from_slice(b"tiny");
        let tree =
            Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(build_raw("x", &recs, None)));
        assert_eq!(
            &tree.get("0x0.mikrotik-npk/files/ok").unwrap().data[..],
            b"ok"
        );
        assert!(tree.get("0x0.mikrotik-npk/files/huge").is_none());
        assert_eq!(tree.errors.len(), 1, "{:?}", tree.errors);
        assert!(
            tree.errors[0]
                .error
                .contains("npk file record at 0x22 claims 4 name and 4294967295 data bytes"),
            "{:?}",
            tree.errors
        );
    }
}
