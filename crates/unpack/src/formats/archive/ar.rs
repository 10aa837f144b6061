//! Unix ar archives (static libraries, .deb, .ipk), with GNU and BSD long names.
//!
//! Written by hand rather than with the `ar` crate: the carver needs the archive's extent,
//! and members are handed to the sink as zero-copy slices of the input.
//!
//! ```text
//! 00000000  21 3c 61 72 63 68 3e 0a  64 65 62 69 61 6e 2d 62  |!<arch>.debian-b|
//! 00000010  69 6e 61 72 79 20 20 20  31 33 34 32 39 34 33 38  |inary   13429438|
//! char magic[8] = "!<arch>\n";
//! struct ar_member_header {   // 60 bytes of space-padded text
//!     char name[16];          // "name/" (GNU), "/" symbol table, "//" long-name table,
//!                             // "/123" offset into that table, "#1/20" BSD: the name is
//!                             // the first 20 bytes of the data
//!     char mtime[12]; char uid[6]; char gid[6];   // decimal
//!     char mode[8];                               // octal
//!     char size[10];                              // decimal
//!     char fmag[2] = "`\n";
//! };  // data padded to an even offset
//! ```

use bytes::Bytes;

use crate::handler::*;
use crate::tree::Meta;

pub static DOC: FormatDoc = FormatDoc {
    name: "ar",
    category: Category::Archive,
    description: "Unix ar archive (GNU and BSD variants): static libraries, Debian .deb and \
                  OpenWrt .ipk packages (their tar members unpack by recursion).",
    references: &["FreeBSD ar(5)", "GNU binutils, include/aout/ar.h"],
    limitations: "Symbol tables (`/`, `__.SYMDEF`) are skipped.",
};

pub struct Ar;

const MAGIC: &[u8; 8] = b"!<arch>\n";
const MAX_NAME: usize = 4096;

fn field(f: &[u8], radix: u32) -> Option<u64> {
    let s = std::str::from_utf8(f)
        .ok()?
        .trim_matches(|c| c == ' ' || c == '\0');
    if s.is_empty() {
        return Some(0);
    }
    u64::from_str_radix(s, radix).ok()
}

struct Member {
    name: String,
    meta: Meta,
    data: std::ops::Range<usize>,
}

fn walk(d: &[u8]) -> (Vec<Member>, usize, Option<String>) {
    let mut out = Vec::new();
    let mut longnames: &[u8] = &[];
    let mut p = MAGIC.len();
    while p < d.len() {
        // a trailing newline or padding byte is allowed
        if d.len() - p < 60 {
            if d[p..].iter().all(|&b| b == b'\n' || b == 0) {
                p = d.len();
                break;
            }
            return (out, p, Some(format!("header at {p:#x} truncated")));
        }
        let h = &d[p..p + 60];
        if &h[58..60] != b"`\n" {
            // not a header: the archive ends here
            let e = (out.is_empty()).then(|| format!("bad header at {p:#x}"));
            return (out, p, e);
        }
        let nums = (
            field(&h[16..28], 10),
            field(&h[28..34], 10),
            field(&h[34..40], 10),
            field(&h[40..48], 8),
            field(&h[48..58], 10),
        );
        let (Some(mtime), Some(uid), Some(gid), Some(mode), Some(size)) = nums else {
            return (out, p, Some(format!("bad number in header at {p:#x}")));
        };
        let start = p + 60;
        let Some(end) = usize::try_from(size)
            .ok()
            .and_then(|s| start.checked_add(s))
        else {
            return (
                out,
                p,
                Some(format!("member at {p:#x} claims {size} bytes")),
            );
        };
        if end > d.len() {
            return (
                out,
                d.len(),
                Some(format!(
                    "member at {p:#x} claims {size} bytes, only {} left",
                    d.len() - start
                )),
            );
        }
        let raw = &h[..16];
        let rawname = std::str::from_utf8(raw).unwrap_or("").trim_end();
        let mut data = start..end;
        let name = if rawname == "/" || rawname == "/SYM64/" || rawname.starts_with("__.SYMDEF") {
            None
        } else if rawname == "//" {
            longnames = &d[start..end];
            None
        } else if let Some(off) = rawname
            .strip_prefix('/')
            .and_then(|s| s.parse::<usize>().ok())
        {
            let Some(t) = longnames.get(off..) else {
                return (
                    out,
                    p,
                    Some(format!("long name offset {off} outside the table")),
                );
            };
            let n = t
                .iter()
                .position(|&b| b == b'\n' || b == 0)
                .unwrap_or(t.len())
                .min(MAX_NAME);
            let n = &t[..n];
            Some(String::from_utf8_lossy(n.strip_suffix(b"/").unwrap_or(n)).into_owned())
        } else if let Some(len) = rawname
            .strip_prefix("#1/")
            .and_then(|s| s.parse::<usize>().ok())
        {
            if len > MAX_NAME || len > end - start {
                return (out, p, Some(format!("BSD name length {len} at {p:#x}")));
            }
            let n = &d[start..start + len];
            let n = &n[..n.iter().position(|&b| b == 0).unwrap_or(n.len())];
            data = start + len..end;
            if n.starts_with(b"__.SYMDEF") {
                None
            } else {
                Some(String::from_utf8_lossy(n).into_owned())
            }
        } else {
            Some(rawname.strip_suffix('/').unwrap_or(rawname).to_string())
        };
        if let Some(name) = name {
            out.push(Member {
                name,
                meta: Meta {
                    mode: (mode as u32) & 0o7777,
                    uid: uid as u32,
                    gid: gid as u32,
                    mtime: mtime as i64,
                },
                data,
            });
        }
        p = end + (end & 1);
    }
    (out, p.min(d.len()), None)
}

impl Handler for Ar {
    fn doc(&self) -> &'static FormatDoc {
        &DOC
    }

    fn magics(&self) -> &'static [Magic] {
        static M: [Magic; 1] = [Magic::at0(MAGIC)];
        &M
    }

    fn identify(&self, data: &[u8], start: usize, _probe: &Probe) -> Option<Chunk> {
        let d = data.get(start..)?;
        if !d.starts_with(MAGIC) {
            return None;
        }
        let (members, len, err) = walk(d);
        if members.is_empty() && err.is_some() {
            return None;
        }
        let mut c = Chunk::new(start, start + len);
        if err.is_some() {
            c.variant = "damaged".into();
        }
        (len > MAGIC.len()).then_some(c)
    }

    fn extract(&self, data: &Bytes, _chunk: &Chunk, out: &mut Sink) -> FormatResult<()> {
        let (members, _, err) = walk(data);
        for m in members {
            out.file(&m.name, m.meta, data.slice(m.data))?;
        }
        match err {
            Some(e) => Err(FormatError::Truncated(format!(
                "ar: {e}; earlier members kept"
            ))),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Limits, Unpacker};

    fn member(v: &mut Vec<u8>, name: &str, body: &[u8]) {
        v.extend(
            format!(
                "{name:<16}{:<12}{:<6}{:<6}{:<8o}{:<10}`\n",
                1_500_000_000,
                0,
                0,
                0o100644,
                body.len()
            )
            .as_bytes(),
        );
        v.extend(body);
        if v.len() % 2 == 1 {
            v.push(b'\n');
        }
    }

    #[test]
    fn gnu_and_bsd_long_names() {
        let mut a = MAGIC.to_vec();
        member(&mut a, "/", b"\0\0\0\0");
        member(&mut a, "//", b"a_rather_long_object_name.o/\n");
        member(&mut a, "/0", b"long name body");
        member(&mut a, "short.o/", b"odd");
        member(&mut a, "#1/12", b"bsd_name.txtBSD body");
        let len = a.len();
        a.extend([0xffu8; 7]);
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(a));
        let l = tree.get("0x0.ar/a_rather_long_object_name.o").unwrap();
        assert_eq!(
            (&l.data[..], l.meta.mode, l.meta.mtime),
            (&b"long name body"[..], 0o644, 1_500_000_000)
        );
        assert_eq!(&tree.get("0x0.ar/short.o").unwrap().data[..], b"odd");
        assert_eq!(
            &tree.get("0x0.ar/bsd_name.txt").unwrap().data[..],
            b"BSD body"
        );
        assert_eq!(tree.files().count(), 3);
        assert_eq!(tree.layers[0].size, len as u64);
    }

    #[test]
    fn hostile_members() {
        let mut a = MAGIC.to_vec();
        member(&mut a, "../../x/", b"abc");
        a.extend(
            format!(
                "{:<16}{:<12}{:<6}{:<6}{:<8}{:<10}`\n",
                "big/", 0, 0, 0, 644, 999_999_999
            )
            .as_bytes(),
        );
        a.extend(b"short");
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(a));
        assert_eq!(&tree.get("0x0.ar/x").unwrap().data[..], b"abc");
        assert_eq!(tree.errors.len(), 2, "{:?}", tree.errors);
        assert!(tree
            .errors
            .iter()
            .any(|e| e.error.contains("claims 999999999 bytes")));
    }
}
