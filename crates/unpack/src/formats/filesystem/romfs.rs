//! romfs ("-rom1fs-"), the Linux read-only file system without compression. Small and
//! simple enough to read by hand; no crate reads it.
//!
//! ```text
//! 00000000  2d 72 6f 6d 31 66 73 2d  00 00 01 b0 56 f2 92 f7  |-rom1fs-....V...|
//! 00000010  72 6f 6d 20 35 36 66 32  39 32 66 37 00 00 00 00  |rom 56f292f7....|
//! struct romfs_super {         // big-endian, everything 16-byte aligned
//!     char magic[8] = "-rom1fs-";
//!     u32 full_size;           // bytes of the file system
//!     u32 checksum;            // first 512 bytes sum to 0 as big-endian u32s
//!     char volume_name[];      // NUL-terminated, padded to 16
//! };
//! struct romfs_inode {         // then one per entry, chained per directory
//!     u32 next;                // offset of the next entry; low 4 bits: type 0-2, exec bit 3
//!     u32 spec_info;           // dir: first entry; hard link: target; device: major<<16|minor
//!     u32 size; u32 checksum;
//!     char name[];             // NUL-terminated, padded to 16, then the data
//! };  // types: 0 hard link, 1 dir, 2 file, 3 symlink, 4 block dev, 5 char dev, 6 socket, 7 fifo
//! ```

use bytes::Bytes;
use std::collections::{HashMap, HashSet};

use crate::bytes::be32;
use crate::handler::*;
use crate::tree::{EntryKind, Meta};

pub static DOC: FormatDoc = FormatDoc {
    name: "romfs",
    category: Category::Filesystem,
    description: "Linux romfs: files, directories, symlinks, hard links, devices; the execute \
        bit becomes mode 755.",
    references: &["Linux Documentation/filesystems/romfs.rst"],
    limitations: "romfs stores no owners, modes or times: files are 644 (755 when executable), \
        owned by 0:0, mtime 0.",
};

pub struct Romfs;

/// More entries than this in one image is hostile.
const MAX_NODES: usize = 1 << 20;

/// A NUL-terminated name at `at` and the 16-aligned offset after it.
fn name_at(d: &[u8], at: usize) -> Option<(String, usize)> {
    let rest = d.get(at..)?;
    let end = memchr::memchr(0, &rest[..rest.len().min(4096)])?;
    let name = String::from_utf8_lossy(&rest[..end]).into_owned();
    Some((name, (at + end + 1).div_ceil(16) * 16))
}

impl Handler for Romfs {
    fn doc(&self) -> &'static FormatDoc {
        &DOC
    }

    fn magics(&self) -> &'static [Magic] {
        static M: [Magic; 1] = [Magic::at0(b"-rom1fs-")];
        &M
    }

    fn identify(&self, data: &[u8], start: usize, _probe: &Probe) -> Option<Chunk> {
        let d = data.get(start..)?;
        let size = be32(d, 8)? as usize;
        let (_, first) = name_at(d, 16)?;
        if size < first || size > d.len() {
            return None;
        }
        // the first 512 bytes (or the whole image) sum to zero
        let n = size.min(512) / 4;
        let sum = (0..n).try_fold(0u32, |s, i| Some(s.wrapping_add(be32(d, i * 4)?)))?;
        if sum != 0 {
            return None;
        }
        Some(Chunk {
            start,
            end: start + size,
            variant: String::new(),
            ..Chunk::default()
        })
    }

    fn extract(&self, data: &Bytes, _chunk: &Chunk, out: &mut Sink) -> FormatResult<()> {
        let d = &data[..];
        let (_, first) =
            name_at(d, 16).ok_or_else(|| FormatError::Truncated("romfs volume name".into()))?;
        let mut seen: HashSet<usize> = HashSet::new();
        let mut paths: HashMap<usize, String> = HashMap::new();
        let mut problems: Vec<String> = Vec::new();
        // (directory path, first entry offset, depth)
        let mut stack: Vec<(String, usize, usize)> = vec![(String::new(), first, 0)];
        let mut links: Vec<(String, usize)> = Vec::new();
        while let Some((dir, mut off, depth)) = stack.pop() {
            while off != 0 {
                if !seen.insert(off) || seen.len() > MAX_NODES {
                    problems.push(format!(
                        "entry at {off:#x} is reached twice (a loop); stopped"
                    ));
                    break;
                }
                let (Some(next), Some(spec), Some(size)) =
                    (be32(d, off), be32(d, off + 4), be32(d, off + 8))
                else {
                    problems.push(format!("entry at {off:#x} is outside the image"));
                    break;
                };
                let Some((name, data_at)) = name_at(d, off + 16) else {
                    problems.push(format!("entry at {off:#x} has no name"));
                    break;
                };
                let typ = next & 7;
                let exec = next & 8 != 0;
                let path = if dir.is_empty() {
                    name.clone()
                } else {
                    format!("{dir}/{name}")
                };
                let meta = Meta::mode(if exec || typ == 1 { 0o755 } else { 0o644 });
                let data_end = data_at.saturating_add(size as usize);
                let content = || {
                    d.get(data_at..data_end).ok_or_else(|| {
                        format!("'{path}': {size} bytes at {data_at:#x} run past the image")
                    })
                };
                let res = match typ {
                    _ if name == "." || name == ".." => Ok(()),
                    0 => {
                        links.push((path.clone(), spec as usize & !15));
                        Ok(())
                    }
                    1 => {
                        paths.insert(off, path.clone());
                        let r = out.dir(&path, meta);
                        let sub = spec as usize & !15;
                        if depth >= 256 {
                            problems.push(format!("'{path}': directories nested too deep"));
                        } else if sub != 0 {
                            stack.push((path.clone(), sub, depth + 1));
                        }
                        r
                    }
                    2 => match content() {
                        Ok(_) => {
                            paths.insert(off, path.clone());
                            out.file(&path, meta, data.slice(data_at..data_end))
                        }
                        Err(e) => {
                            problems.push(e);
                            Ok(())
                        }
                    },
                    3 => match content() {
                        Ok(c) => out.symlink(&path, Meta::mode(0o777), &String::from_utf8_lossy(c)),
                        Err(e) => {
                            problems.push(e);
                            Ok(())
                        }
                    },
                    4 => out.special(&path, EntryKind::BlockDevice, meta),
                    5 => out.special(&path, EntryKind::CharDevice, meta),
                    6 => out.special(&path, EntryKind::Socket, meta),
                    _ => out.special(&path, EntryKind::Fifo, meta),
                };
                if let Err(FormatError::Limit(_)) = res {
                    return Ok(());
                }
                off = next as usize & !15;
            }
        }
        for (path, target) in links {
            match paths.get(&target) {
                Some(t) => {
                    out.hardlink(&path, Meta::mode(0o644), &t.clone())?;
                }
                None => problems.push(format!(
                    "hard link '{path}' targets unknown entry {target:#x}"
                )),
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(FormatError::Invalid(problems.join("; ")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Limits, Unpacker};

    /// A romfs image: (name, type, spec, data); entries of the root directory in order.
    fn build(entries: &[(&str, u32, u32, &[u8])]) -> Vec<u8> {
        fn pad(v: &mut Vec<u8>) {
            while v.len() & 15 != 0 {
                v.push(0);
            }
        }
        let mut img = b"-rom1fs-".to_vec();
        img.extend([0u8; 8]);
        img.extend(b"vol\0");
        pad(&mut img);
        let mut offs = Vec::new();
        for (i, (name, typ, spec, body)) in entries.iter().enumerate() {
            let at = img.len();
            offs.push(at);
            img.extend([0u8; 16]);
            img.extend(name.as_bytes());
            img.push(0);
            pad(&mut img);
            img.extend(*body);
            pad(&mut img);
            let next = if i + 1 < entries.len() {
                img.len() as u32
            } else {
                0
            };
            img[at..at + 4].copy_from_slice(&(next | typ).to_be_bytes());
            img[at + 4..at + 8].copy_from_slice(&spec.to_be_bytes());
            img[at + 8..at + 12].copy_from_slice(&(body.len() as u32).to_be_bytes());
        }
        let n = img.len() as u32;
        img[8..12].copy_from_slice(&n.to_be_bytes());
        fix_sum(&mut img);
        img
    }

    fn fix_sum(img: &mut [u8]) {
        img[12..16].copy_from_slice(&[0; 4]);
        let sum = (0..img.len().min(512) / 4).fold(0u32, |s, i| {
            s.wrapping_add(u32::from_be_bytes(
                img[i * 4..i * 4 + 4].try_into().unwrap(),
            ))
        });
        img[12..16].copy_from_slice(&(0u32.wrapping_sub(sum)).to_be_bytes());
    }

    #[test]
    fn files_symlinks_and_hostile_names() {
        let img = build(&[
            (".", 1, 0, b""),
            ("hello", 2 | 8, 0, b"hi there\n"),
            ("link", 3, 0, b"hello"),
            ("..", 0, 0, b""),
            ("../escape", 2, 0, b"x"),
        ]);
        let t = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img));
        let h = t.get("0x0.romfs/hello").expect("hello");
        assert_eq!(&h.data[..], b"hi there\n");
        assert_eq!(h.meta.mode, 0o755);
        assert_eq!(
            t.get("0x0.romfs/link").unwrap().link_target.as_deref(),
            Some("hello")
        );
        // the escaping name is normalized into the layer and recorded
        assert!(t.get("0x0.romfs/escape").is_some());
        assert!(
            t.errors
                .iter()
                .any(|e| e.error.contains("outside the layer")),
            "{:?}",
            t.errors
        );
    }

    #[test]
    fn truncated_and_looping_images_do_not_panic() {
        let img = build(&[("a", 2, 0, b"aaaa"), ("b", 2, 0, b"bbbb")]);
        // a loop: the last entry points back at the first
        let mut looped = img.clone();
        let first = 32usize;
        let last = looped.len() - 48;
        looped[last..last + 4].copy_from_slice(&((first as u32) | 2).to_be_bytes());
        fix_sum(&mut looped);
        let t = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(looped));
        assert_eq!(&t.get("0x0.romfs/b").unwrap().data[..], b"bbbb");
        assert!(
            t.errors.iter().any(|e| e.error.contains("loop")),
            "{:?}",
            t.errors
        );
        for cut in [20, 40, img.len() - 5] {
            let _ = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img[..cut].to_vec()));
        }
    }
}
