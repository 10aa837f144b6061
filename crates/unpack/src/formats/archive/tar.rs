//! tar: ustar, GNU (long names and links, base-256 numbers) and pax extended headers.
//!
//! Written by hand rather than with the `tar` crate: the carver needs the archive's exact
//! extent without copying member data, and members are handed to the sink as zero-copy
//! slices of the input; damaged archives keep every member before the damage.
//!
//! ```text
//! 00000000  65 74 63 2f 70 61 73 73  77 64 00 00 00 00 00 00  |etc/passwd......|
//! 00000100  00 75 73 74 61 72 00 30  30 72 6f 6f 74 00 00 00  |.ustar.00root...|
//! struct tar_header {             // 512 bytes; numbers are octal text (or GNU base-256)
//!     char name[100]; char mode[8]; char uid[8]; char gid[8];
//!     char size[12]; char mtime[12];
//!     char chksum[8];             // sum of the header bytes with this field as spaces
//!     char typeflag;              // '0' file, '1' hard link, '2' symlink, '3' char dev,
//!                                 // '4' block dev, '5' dir, '6' fifo, 'L'/'K' GNU long
//!                                 // name/link, 'x'/'g' pax extended/global header
//!     char linkname[100];
//!     char magic[6];              // "ustar\0" (POSIX) or "ustar " (GNU, version " \0")
//!     char version[2]; char uname[32]; char gname[32];
//!     char devmajor[8]; char devminor[8];
//!     char prefix[155];           // POSIX: directory prefix of name
//! };
//! // member data padded to 512; the archive ends with two zero blocks
//! ```

use bytes::Bytes;

use crate::handler::*;
use crate::tree::{EntryKind, Meta};

pub static DOC: FormatDoc = FormatDoc {
    name: "tar",
    category: Category::Archive,
    description: "tar archive (ustar, GNU, pax): files, directories, symlinks, hard links, \
                  device nodes and FIFOs with their modes, owners and mtimes.",
    references: &[
        "POSIX.1-2017 pax, ustar Interchange Format",
        "GNU tar manual, Basic Tar Format",
    ],
    limitations: "GNU sparse members are stored as their raw (sparse) data; pre-POSIX tar \
                  without the ustar magic is not carved.",
};

pub struct Tar;

const BLOCK: usize = 512;
/// Largest GNU long name / pax header read.
const MAX_META: usize = 1 << 20;

/// Parse an octal (or GNU base-256) numeric field.
fn num(f: &[u8]) -> Option<u64> {
    if let Some(&first) = f.first() {
        if first & 0x80 != 0 {
            // base-256, big-endian; the first byte's high bit is the marker
            if first & 0x40 != 0 {
                return None; // negative
            }
            let mut v: u64 = u64::from(first & 0x3f);
            for &b in &f[1..] {
                v = v.checked_mul(256)?.checked_add(u64::from(b))?;
            }
            return Some(v);
        }
    }
    let s: Vec<u8> = f
        .iter()
        .copied()
        .skip_while(|&b| b == b' ')
        .take_while(|&b| b != 0 && b != b' ')
        .collect();
    if s.is_empty() {
        return Some(0);
    }
    let mut v: u64 = 0;
    for b in s {
        if !(b'0'..=b'7').contains(&b) {
            return None;
        }
        v = v.checked_mul(8)?.checked_add(u64::from(b - b'0'))?;
    }
    Some(v)
}

fn cstr(f: &[u8]) -> String {
    let end = memchr::memchr(0, f).unwrap_or(f.len());
    String::from_utf8_lossy(&f[..end]).into_owned()
}

/// Does this 512-byte block hold a valid header (checksum, unsigned or signed)?
fn header_ok(h: &[u8]) -> bool {
    let Some(want) = num(&h[148..156]) else {
        return false;
    };
    let mut unsigned: u64 = 0;
    let mut signed: i64 = 0;
    for (i, &b) in h.iter().enumerate() {
        let b = if (148..156).contains(&i) { b' ' } else { b };
        unsigned += u64::from(b);
        signed += i64::from(b as i8);
    }
    want == unsigned || i64::try_from(want).is_ok_and(|w| w == signed)
}

/// Does a symlink at `path` with a relative `target` climb above the archive root?
/// (Absolute targets are normal in a root file system and resolve inside the layer.)
pub fn link_escapes(path: &str, target: &str) -> bool {
    if target.starts_with('/') {
        return false;
    }
    let base = crate::path::normalize(path).path;
    let joined = format!("{}/{}", crate::path::parent(&base), target);
    crate::path::normalize(&joined).escaped
}

/// One member as found by [`walk`].
#[derive(Debug)]
struct Member {
    name: String,
    link: String,
    kind: u8,
    meta: Meta,
    /// Data range relative to the archive start.
    data: std::ops::Range<usize>,
}

/// Overrides collected from pax / GNU meta headers for the next member.
#[derive(Default)]
struct Pending {
    name: Option<String>,
    link: Option<String>,
    size: Option<u64>,
    uid: Option<u32>,
    gid: Option<u32>,
    mtime: Option<i64>,
}

fn pax(rec: &[u8], p: &mut Pending) {
    let mut rest = rec;
    // each record: "<len> <key>=<value>\n", len counting the whole record
    while !rest.is_empty() {
        let Some(sp) = memchr::memchr(b' ', rest) else {
            return;
        };
        let Some(len) = std::str::from_utf8(&rest[..sp])
            .ok()
            .and_then(|s| s.parse::<usize>().ok())
        else {
            return;
        };
        if len <= sp + 1 || len > rest.len() {
            return;
        }
        let body = &rest[sp + 1..len];
        let body = body.strip_suffix(b"\n").unwrap_or(body);
        rest = &rest[len..];
        let Some(eq) = memchr::memchr(b'=', body) else {
            continue;
        };
        let key = &body[..eq];
        let val = String::from_utf8_lossy(&body[eq + 1..]).into_owned();
        let int = || val.split('.').next().and_then(|s| s.parse::<i64>().ok());
        match key {
            b"path" => p.name = Some(val),
            b"linkpath" => p.link = Some(val),
            b"size" => p.size = val.parse().ok(),
            b"uid" => p.uid = int().and_then(|v| u32::try_from(v).ok()),
            b"gid" => p.gid = int().and_then(|v| u32::try_from(v).ok()),
            b"mtime" => p.mtime = int(),
            _ => {}
        }
    }
}

/// Walk the archive: every member in order, the archive length, and the problem that
/// stopped the walk before the end-of-archive marker (if any).
fn walk(d: &[u8], max_members: usize) -> (Vec<Member>, usize, Option<String>) {
    let mut out = Vec::new();
    let mut p = 0usize;
    let mut pend = Pending::default();
    let mut global = Pending::default();
    let mut err = None;
    loop {
        if out.len() >= max_members {
            err = Some(format!("more than {max_members} members"));
            break;
        }
        let Some(h) = d.get(p..p + BLOCK) else {
            if p < d.len() || out.is_empty() {
                err = Some(format!("header at {p:#x} truncated"));
            } else {
                err = Some("archive ends without the end-of-archive blocks".into());
            }
            break;
        };
        if h.iter().all(|&b| b == 0) {
            // end of archive: one or two zero blocks, then padding up to a 10 KiB record
            p += BLOCK;
            while p.checked_rem(10240) != Some(0)
                && d.get(p..p + BLOCK)
                    .is_some_and(|b| b.iter().all(|&x| x == 0))
            {
                p += BLOCK;
            }
            break;
        }
        if !header_ok(h) {
            err = Some(format!("bad header checksum at {p:#x}"));
            break;
        }
        let size = match num(&h[124..136]) {
            Some(s) => s,
            None => {
                err = Some(format!("bad size field at {p:#x}"));
                break;
            }
        };
        let kind = h[156];
        let size = if matches!(kind, b'x' | b'g' | b'L' | b'K') {
            size
        } else {
            pend.size.take().unwrap_or(size)
        };
        let start = p + BLOCK;
        let Some(end) = usize::try_from(size)
            .ok()
            .and_then(|s| start.checked_add(s))
        else {
            err = Some(format!("member at {p:#x} claims {size} bytes"));
            break;
        };
        // directories, links and devices carry no data whatever their size says
        let has_data = !matches!(kind, b'1' | b'2' | b'3' | b'4' | b'5' | b'6');
        let data_end = if has_data { end } else { start };
        let next = data_end.div_ceil(BLOCK).saturating_mul(BLOCK);
        if data_end > d.len() {
            err = Some(format!(
                "member at {p:#x} claims {size} bytes, only {} left",
                d.len() - start.min(d.len())
            ));
            // keep what is there of the last member
            if matches!(kind, b'0' | 0 | b'7') {
                out.push(member(h, &mut pend, &global, kind, start..d.len()));
            }
            p = d.len();
            break;
        }
        match kind {
            b'L' | b'K' | b'x' | b'g' => {
                if size as usize > MAX_META {
                    err = Some(format!("meta header at {p:#x} of {size} bytes"));
                    break;
                }
                let body = &d[start..data_end];
                match kind {
                    b'L' => pend.name = Some(cstr(body)),
                    b'K' => pend.link = Some(cstr(body)),
                    b'x' => pax(body, &mut pend),
                    _ => {
                        let mut g = Pending::default();
                        pax(body, &mut g);
                        global.uid = g.uid.or(global.uid);
                        global.gid = g.gid.or(global.gid);
                        global.mtime = g.mtime.or(global.mtime);
                    }
                }
            }
            b'V' => {} // volume label
            _ => {
                let m = member(h, &mut pend, &global, kind, start..data_end);
                out.push(m);
            }
        }
        p = next.min(d.len());
    }
    (out, p, err)
}

fn member(
    h: &[u8],
    pend: &mut Pending,
    global: &Pending,
    kind: u8,
    data: std::ops::Range<usize>,
) -> Member {
    let p = std::mem::take(pend);
    let name = p.name.unwrap_or_else(|| {
        let n = cstr(&h[0..100]);
        let prefix = if &h[257..263] == b"ustar\0" {
            cstr(&h[345..500])
        } else {
            String::new()
        };
        if prefix.is_empty() {
            n
        } else {
            format!("{prefix}/{n}")
        }
    });
    let link = p.link.unwrap_or_else(|| cstr(&h[157..257]));
    let field32 = |f: &[u8]| num(f).and_then(|v| u32::try_from(v).ok()).unwrap_or(0);
    let meta = Meta {
        mode: field32(&h[100..108]) & 0o7777,
        uid: p
            .uid
            .or(global.uid)
            .unwrap_or_else(|| field32(&h[108..116])),
        gid: p
            .gid
            .or(global.gid)
            .unwrap_or_else(|| field32(&h[116..124])),
        mtime: p.mtime.or(global.mtime).unwrap_or_else(|| {
            num(&h[136..148])
                .and_then(|v| i64::try_from(v).ok())
                .unwrap_or(0)
        }),
    };
    Member {
        name,
        link,
        kind,
        meta,
        data,
    }
}

impl Handler for Tar {
    fn doc(&self) -> &'static FormatDoc {
        &DOC
    }

    fn magics(&self) -> &'static [Magic] {
        static M: [Magic; 1] = [Magic::at(b"ustar", 257)];
        &M
    }

    fn identify(&self, data: &[u8], start: usize, _probe: &Probe) -> Option<Chunk> {
        let d = data.get(start..)?;
        let h = d.get(..BLOCK)?;
        if !header_ok(h) {
            return None;
        }
        let (members, len, err) = walk(d, 1 << 22);
        if members.is_empty() || len == 0 {
            return None;
        }
        let mut c = Chunk::new(start, start + len.min(d.len()));
        if err.is_some() {
            c.variant = "damaged".into();
        }
        Some(c)
    }

    fn extract(&self, data: &Bytes, _chunk: &Chunk, out: &mut Sink) -> FormatResult<()> {
        let (members, _, err) = walk(data, usize::MAX);
        let mut escapes = Vec::new();
        for m in members {
            match m.kind {
                b'5' => out.dir(&m.name, m.meta)?,
                b'2' => {
                    if link_escapes(&m.name, &m.link) {
                        escapes.push(format!("'{}' -> '{}'", m.name, m.link));
                    }
                    out.symlink(&m.name, m.meta, &m.link)?
                }
                b'1' => out.hardlink(&m.name, m.meta, &m.link)?,
                b'3' => out.special(&m.name, EntryKind::CharDevice, m.meta)?,
                b'4' => out.special(&m.name, EntryKind::BlockDevice, m.meta)?,
                b'6' => out.special(&m.name, EntryKind::Fifo, m.meta)?,
                _ => out.file(&m.name, m.meta, data.slice(m.data.clone()))?,
            }
        }
        if let Some(e) = err {
            return Err(FormatError::Truncated(format!(
                "tar: {e}; earlier members kept"
            )));
        }
        if !escapes.is_empty() {
            return Err(FormatError::Invalid(format!(
                "tar: symlinks pointing above the archive root (kept, never followed): {}",
                escapes.join(", ")
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::engine::{Limits, Unpacker};

    /// Build a ustar/GNU header by hand.
    pub(crate) fn header(name: &str, kind: u8, size: u64, link: &str, mode: u32) -> Vec<u8> {
        let mut h = vec![0u8; BLOCK];
        h[..name.len().min(100)].copy_from_slice(&name.as_bytes()[..name.len().min(100)]);
        h[100..107].copy_from_slice(format!("{mode:07o}").as_bytes());
        h[108..115].copy_from_slice(b"0001750");
        h[116..123].copy_from_slice(b"0000144");
        h[124..135].copy_from_slice(format!("{size:011o}").as_bytes());
        h[136..147].copy_from_slice(b"14130614000");
        h[156] = kind;
        h[157..157 + link.len()].copy_from_slice(link.as_bytes());
        h[257..263].copy_from_slice(b"ustar\0");
        h[263..265].copy_from_slice(b"00");
        h[148..156].copy_from_slice(b"        ");
        let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
        h[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
        h
    }

    pub(crate) fn push(v: &mut Vec<u8>, name: &str, kind: u8, body: &[u8], link: &str, mode: u32) {
        v.extend(header(name, kind, body.len() as u64, link, mode));
        v.extend(body);
        v.resize(v.len().div_ceil(BLOCK) * BLOCK, 0);
    }

    #[test]
    fn escaping_links() {
        assert!(link_escapes("foo", "../../"));
        assert!(link_escapes("a/b", "../../x"));
        assert!(!link_escapes("a/b", "../x"));
        assert!(!link_escapes("bin/sh", "/bin/busybox"));
    }

    #[test]
    fn numbers() {
        assert_eq!(num(b"0000644\0"), Some(0o644));
        assert_eq!(num(b"   644 \0"), Some(0o644));
        assert_eq!(
            num(b"\x80\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00"),
            Some(1 << 32)
        );
        assert_eq!(num(b"0009"), None);
    }

    #[test]
    fn ustar_gnu_and_pax_members() {
        let mut t = Vec::new();
        push(&mut t, "etc/", b'5', b"", "", 0o755);
        push(
            &mut t,
            "etc/passwd",
            b'0',
            b"root:x:0:0::/root:/bin/sh\n",
            "",
            0o644,
        );
        push(&mut t, "bin/sh", b'2', b"", "busybox", 0o777);
        push(&mut t, "etc/passwd.bak", b'1', b"", "etc/passwd", 0o644);
        push(&mut t, "dev/console", b'3', b"", "", 0o600);
        let long = format!("{}/deep.txt", "d".repeat(150));
        push(
            &mut t,
            "././@LongLink",
            b'L',
            format!("{long}\0").as_bytes(),
            "",
            0o644,
        );
        push(&mut t, "ignored", b'0', b"long body", "", 0o600);
        let rec = "29 path=pax/name/from/record\n";
        let rec2 = "15 uid=4294967\n";
        push(
            &mut t,
            "PaxHeader",
            b'x',
            format!("{rec}{rec2}").as_bytes(),
            "",
            0o644,
        );
        push(&mut t, "short", b'0', b"pax body", "", 0o4755);
        t.extend(vec![0u8; 1024]);
        let total = t.len();
        let mut img = vec![0x42u8; 100];
        img.extend(&t);
        img.extend(b"after the archive");
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img));
        let root = "0x64.tar";
        let pw = tree.get(&format!("{root}/etc/passwd")).unwrap();
        assert_eq!(&pw.data[..], b"root:x:0:0::/root:/bin/sh\n");
        assert_eq!((pw.meta.mode, pw.meta.uid, pw.meta.gid), (0o644, 1000, 100));
        assert_eq!(pw.meta.mtime, 0o14130614000);
        let sh = tree.get(&format!("{root}/bin/sh")).unwrap();
        assert_eq!(sh.kind, EntryKind::Symlink);
        assert_eq!(sh.link_target.as_deref(), Some("busybox"));
        // hard links are materialized by the engine
        let bak = tree.get(&format!("{root}/etc/passwd.bak")).unwrap();
        assert_eq!(&bak.data[..], b"root:x:0:0::/root:/bin/sh\n");
        assert_eq!(
            tree.get(&format!("{root}/dev/console")).unwrap().kind,
            EntryKind::CharDevice
        );
        assert_eq!(
            &tree.get(&format!("{root}/{long}")).unwrap().data[..],
            b"long body"
        );
        let pax = tree.get(&format!("{root}/pax/name/from/record")).unwrap();
        assert_eq!(&pax.data[..], b"pax body");
        assert_eq!((pax.meta.uid, pax.meta.mode), (4_294_967, 0o4755));
        assert_eq!(tree.layers.len(), 1);
        assert_eq!(tree.layers[0].size, total as u64);
        assert!(tree.errors.is_empty(), "{:?}", tree.errors);
    }

    #[test]
    fn traversal_names_stay_inside_and_are_reported() {
        let mut t = Vec::new();
        push(&mut t, "../../etc/shadow", b'0', b"evil", "", 0o644);
        push(&mut t, "/abs/file", b'0', b"abs", "", 0o644);
        t.extend(vec![0u8; 1024]);
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(t));
        assert_eq!(&tree.get("0x0.tar/etc/shadow").unwrap().data[..], b"evil");
        assert_eq!(&tree.get("0x0.tar/abs/file").unwrap().data[..], b"abs");
        assert!(tree.entries.iter().all(|e| e.path.starts_with("0x0.tar/")));
        assert_eq!(tree.errors.len(), 2, "{:?}", tree.errors);
        assert!(tree.errors[0].error.contains("outside the layer"));
    }

    #[test]
    fn truncated_and_lying_sizes() {
        let mut t = Vec::new();
        push(&mut t, "a.txt", b'0', b"first", "", 0o644);
        // claims 4 GiB but the data ends right away
        t.extend(header("huge.bin", b'0', 1 << 32, "", 0o644));
        t.extend(b"only a little");
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(t));
        assert_eq!(&tree.get("0x0.tar/a.txt").unwrap().data[..], b"first");
        assert_eq!(
            &tree.get("0x0.tar/huge.bin").unwrap().data[..],
            b"only a little"
        );
        assert_eq!(tree.errors.len(), 1, "{:?}", tree.errors);
        assert!(
            tree.errors[0].error.contains("claims 4294967296 bytes"),
            "{:?}",
            tree.errors
        );
        // a corrupted checksum on the first header: not a tar at all
        let mut bad = header("x", b'0', 0, "", 0o644);
        bad[0] = b'y';
        bad.extend(vec![0u8; 1024]);
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(bad));
        assert!(tree.layers.is_empty());
    }
}
