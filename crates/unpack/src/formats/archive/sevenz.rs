//! 7-Zip archives, read with the pure-Rust `sevenz-rust2` crate.
//!
//! ```text
//! 00000000  37 7a bc af 27 1c 00 04  d6 11 8c 93 58 00 00 00  |7z..'.......X...|
//! struct sevenz_signature_header {   // little-endian, 32 bytes
//!     u8  magic[6] = { '7', 'z', 0xbc, 0xaf, 0x27, 0x1c };
//!     u8  major = 0, minor;
//!     u32 start_header_crc;          // crc32 of the next 20 bytes
//!     u64 next_header_offset;        // from the end of this header
//!     u64 next_header_size;
//!     u32 next_header_crc;
//! };  // packed streams, then the (possibly encoded) header at 32 + next_header_offset
//! ```
//!
//! The archive ends with its header, so the signature header gives the exact extent, and
//! both CRCs are checked before the chunk is accepted.

use bytes::Bytes;
use std::io::Read;

use crate::bytes::{le32, le64};
use crate::handler::*;
use crate::tree::Meta;

pub static DOC: FormatDoc = FormatDoc {
    name: "7z",
    category: Category::Archive,
    description: "7-Zip archive (LZMA, LZMA2, BCJ filters, deflate, bzip2, PPMd...).",
    references: &["7-Zip, DOC/7zFormat.txt"],
    limitations: "Encrypted archives and zstd/brotli/lz4 coders are reported, not extracted; \
                  Unix modes are read from p7zip's attribute extension only.",
};

pub struct SevenZ;

const MAGIC: &[u8; 6] = b"7z\xbc\xaf\x27\x1c";
/// Decoder memory per archive (KiB): refuses absurd dictionary claims before allocation.
const MEM_LIMIT_KB: usize = 1536 * 1024;

/// Validate the signature header: the archive's length.
fn archive_len(d: &[u8]) -> Option<usize> {
    let h = d.get(..32)?;
    if &h[..6] != MAGIC || h[6] != 0 {
        return None;
    }
    if crc32fast::hash(&h[12..32]) != le32(h, 8)? {
        return None;
    }
    let off = usize::try_from(le64(h, 12)?).ok()?;
    let size = usize::try_from(le64(h, 20)?).ok()?;
    let start = 32usize.checked_add(off)?;
    let end = start.checked_add(size)?;
    let next = d.get(start..end)?;
    if size == 0 || crc32fast::hash(next) != le32(h, 28)? {
        return None;
    }
    Some(end)
}

impl Handler for SevenZ {
    fn doc(&self) -> &'static FormatDoc {
        &DOC
    }

    fn magics(&self) -> &'static [Magic] {
        static M: [Magic; 1] = [Magic::at0(MAGIC)];
        &M
    }

    fn identify(&self, data: &[u8], start: usize, _probe: &Probe) -> Option<Chunk> {
        let d = data.get(start..)?;
        let len = archive_len(d)?;
        Some(Chunk::new(start, start + len))
    }

    fn extract(&self, data: &Bytes, _chunk: &Chunk, out: &mut Sink) -> FormatResult<()> {
        let cursor = std::io::Cursor::new(&data[..]);
        let mut reader = sevenz_rust2::ArchiveReader::new_with_memory_limit(
            cursor,
            sevenz_rust2::Password::empty(),
            MEM_LIMIT_KB,
        )
        .map_err(|e| FormatError::Invalid(format!("7z header: {e}")))?;
        reader.set_thread_count(1);
        let mut stop: Option<FormatError> = None;
        let mut cut: Vec<String> = Vec::new();
        let res = reader.for_each_entries(|entry, rd| {
            let attrs = entry.windows_attributes();
            let unix = (entry.has_windows_attributes && attrs & 0x8000 != 0).then_some(attrs >> 16);
            let mtime =
                (u64::from(entry.last_modified_date()) / 10_000_000) as i64 - 11_644_473_600;
            let meta = Meta {
                mode: unix.map(|m| m & 0o7777).unwrap_or(if entry.is_directory() {
                    0o755
                } else {
                    0o644
                }),
                mtime,
                ..Meta::default()
            };
            let r = if entry.is_directory() {
                out.dir(entry.name(), meta)
            } else if entry.is_anti_item() {
                Ok(())
            } else {
                // bounded by the declared size and the byte budget
                match out.read_bounded(rd.take(entry.size()), "7z") {
                    Ok((v, truncated)) => {
                        if truncated {
                            cut.push(entry.name().to_string());
                        }
                        if unix.map(|m| m & 0o170000) == Some(0o120000) {
                            out.symlink(entry.name(), meta, &String::from_utf8_lossy(&v))
                        } else {
                            out.file(entry.name(), meta, v)
                        }
                    }
                    Err(e) => Err(e),
                }
            };
            match r {
                Ok(()) if cut.is_empty() => Ok(true),
                Ok(()) => Ok(false),
                Err(e) => {
                    stop = Some(e);
                    Ok(false)
                }
            }
        });
        if let Some(e) = stop {
            return Err(e);
        }
        if !cut.is_empty() {
            return Err(FormatError::Limit(format!(
                "7z: '{}' cut at the byte limit",
                cut[0]
            )));
        }
        res.map_err(|e| FormatError::Invalid(format!("7z: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Limits, Unpacker};

    #[test]
    fn signature_header_checks() {
        // a valid-looking header whose next-header CRC does not match is refused
        let mut h = MAGIC.to_vec();
        h.extend([0, 4, 0, 0, 0, 0]);
        h.extend(0u64.to_le_bytes());
        h.extend(4u64.to_le_bytes());
        h.extend(crc32fast::hash(b"\x01\x02\x03\x04").to_le_bytes());
        let sum = crc32fast::hash(&h[12..32]);
        h[8..12].copy_from_slice(&sum.to_le_bytes());
        h.extend(b"\x01\x02\x03\x04");
        assert_eq!(archive_len(&h), Some(36));
        h[35] ^= 1;
        assert_eq!(archive_len(&h), None);
        // a next header far past the end
        let mut big = h.clone();
        big[12..20].copy_from_slice(&(1u64 << 60).to_le_bytes());
        let sum = crc32fast::hash(&big[12..32]);
        big[8..12].copy_from_slice(&sum.to_le_bytes());
        assert_eq!(archive_len(&big), None);
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(big));
        assert!(tree.layers.is_empty());
    }

    #[test]
    fn garbage_header_is_an_error_not_a_panic() {
        // valid signature header, next header is 4 bytes of junk (CRC made to match)
        let junk = b"\x17\xff\xff\xff";
        let mut h = MAGIC.to_vec();
        h.extend([0, 4, 0, 0, 0, 0]);
        h.extend(0u64.to_le_bytes());
        h.extend(4u64.to_le_bytes());
        h.extend(crc32fast::hash(junk).to_le_bytes());
        let sum = crc32fast::hash(&h[12..32]);
        h[8..12].copy_from_slice(&sum.to_le_bytes());
        h.extend(junk);
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(h));
        assert_eq!(tree.layers.len(), 1);
        assert_eq!(tree.files().count(), 0);
        assert_eq!(tree.errors.len(), 1, "{:?}", tree.errors);
        assert_eq!(tree.errors[0].format, "7z");
    }
}
