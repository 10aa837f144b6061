//! TP-Link "safeloader" factory image (Pharos CPE/WBS, Archer C2600/C7 v4+, EAP, Deco and
//! most TP-Link devices since 2014): a 0x14-byte preamble (image size and a salted MD5), a
//! 0x1000-byte vendor information block, then a 0x800-byte text partition table
//! (`fwup-ptn NAME base 0x... size 0x...`) and the partitions it lists.
//!
//! Written by hand: a fixed preamble and a text table; no maintained crate reads them. MD5
//! from `md-5`.
//!
//! ```text
//! 00001010  ff ff ff ff 66 77 75 70  2d 70 74 6e 20 70 61 72  |....fwup-ptn par|
//! struct safeloader {            // big-endian
//!     u32  size;                 // the whole image (preamble included)
//!     u8   md5[16];              // MD5(salt || bytes 0x14..size)
//!     u32  vendor_len;           // 0x14: vendor information (or "fw-type:Cloud", "?NEW")
//!     char vendor[0xffc];        // padded with 0xff
//!     char table[0x800];         // 0x1014: "fwup-ptn %s base 0x%05x size 0x%05x\t\r\n"..., NUL
//!     u8   partitions[];         // base is relative to 0x1014
//! };
//! "?NEW" images: md5 then size (without the preamble), a 0x3c-byte header, table at 0x1050
//! ```
//! (dump: an image built by this module's tests)

use bytes::Bytes;
use md5::{Digest, Md5};

use crate::bytes::be32;
use crate::handler::*;
use crate::tree::Meta;

pub static DOC: FormatDoc = FormatDoc {
    name: "tplink-safeloader",
    category: Category::Firmware,
    description: "TP-Link safeloader factory image: the fwup-ptn partition table is read and \
                  every partition (partition-table, os-image, file-system, soft-version, \
                  support-list, ...) is emitted under its name; the salted MD5 of the image is \
                  verified; the vendor information line is kept in the variant.",
    references: &[
        "openwrt/firmware-utils src/tplink-safeloader.c (generate_factory_image, put_md5, \
         md5_salt, safeloader_parse_image, read_partition_table)",
        "LeeXiaolan/tplink-vxworks-based-firmware fw (the same fwup-ptn table in VxWorks \
         TP-Link images)",
    ],
    limitations: "The MD5 of '?NEW' images is not verified (tplink-safeloader.c calls it \
                  apparent; its salt and range are not public). The soft-version and \
                  support-list partitions are emitted, not interpreted. At most 32 \
                  partitions are read.",
};

const PREAMBLE: usize = 0x14;
const PAYLOAD: usize = 0x1014;
const PAYLOAD_QNEW: usize = 0x1050;
const TABLE: usize = 0x800;
const MAX_PARTS: usize = 32;
const TAG: &[u8] = b"fwup-ptn ";

/// tplink-safeloader.c md5_salt: "the same salt for most devices which use the new image
/// format".
const SALT: [u8; 16] = [
    0x7a, 0x2b, 0x15, 0xed, 0x9b, 0x98, 0x59, 0x6d, 0xe5, 0x04, 0xab, 0x44, 0xac, 0x2a, 0x9f, 0x4e,
];

pub struct TplinkSafeloader;

#[derive(Debug)]
struct Part {
    name: String,
    base: usize,
    size: usize,
}

struct Image {
    qnew: bool,
    payload: usize,
    /// End of the image claimed by the preamble.
    end: usize,
    parts: Vec<Part>,
    vendor: String,
}

fn hex_num(s: &str) -> Option<usize> {
    usize::from_str_radix(s.strip_prefix("0x")?, 16).ok()
}

/// Parse the text table: lines `fwup-ptn NAME base 0xHEX size 0xHEX`, up to the first NUL.
fn table(t: &[u8]) -> Option<Vec<Part>> {
    let t = &t[..memchr::memchr(0, t).unwrap_or(t.len())];
    let t = std::str::from_utf8(t).ok()?;
    let mut parts = Vec::new();
    for line in t.split('\n') {
        let w: Vec<&str> = line.split_ascii_whitespace().collect();
        match w.as_slice() {
            [] => continue,
            ["fwup-ptn", name, "base", base, "size", size] => parts.push(Part {
                name: (*name).to_string(),
                base: hex_num(base)?,
                size: hex_num(size)?,
            }),
            _ => return None,
        }
        if parts.len() > MAX_PARTS {
            return None;
        }
    }
    (!parts.is_empty()).then_some(parts)
}

fn parse(d: &[u8]) -> Option<Image> {
    let qnew = d.get(PREAMBLE..PREAMBLE + 4)? == b"?NEW";
    let payload = if qnew { PAYLOAD_QNEW } else { PAYLOAD };
    if d.get(payload..payload + TAG.len())? != TAG {
        return None;
    }
    let parts = table(d.get(payload..payload + TABLE)?)?;
    let end = if qnew {
        PREAMBLE.checked_add(be32(d, 0x10)? as usize)?
    } else {
        be32(d, 0)? as usize
    };
    // the first partition follows the table: a line further down the table is no start
    if end < payload + TABLE || parts[0].base != TABLE {
        return None;
    }
    let vendor = match be32(d, PREAMBLE)? as usize {
        n if !qnew && n > 0 && n <= 0xffc => {
            let v = &d[PREAMBLE + 4..PREAMBLE + 4 + n];
            String::from_utf8_lossy(v).trim().replace(['\r', '\n'], " ")
        }
        _ => String::new(),
    };
    Some(Image {
        qnew,
        payload,
        end,
        parts,
        vendor,
    })
}

impl Handler for TplinkSafeloader {
    fn doc(&self) -> &'static FormatDoc {
        &DOC
    }

    fn magics(&self) -> &'static [Magic] {
        static M: [Magic; 2] = [
            Magic::at(b"fwup-ptn ", PAYLOAD),
            Magic::at(b"fwup-ptn ", PAYLOAD_QNEW),
        ];
        &M
    }

    fn identify(&self, data: &[u8], start: usize, _probe: &Probe) -> Option<Chunk> {
        let d = data.get(start..)?;
        let img = parse(d)?;
        let names: Vec<&str> = img.parts.iter().map(|p| p.name.as_str()).collect();
        let mut variant = format!("{} partitions ({})", names.len(), names.join(", "));
        if img.qnew {
            variant.push_str(" ?NEW");
        }
        if !img.vendor.is_empty() {
            let v: String = img.vendor.chars().take(80).collect();
            variant.push_str(&format!(" vendor '{v}'"));
        }
        let mut checks = Vec::new();
        if img.end > d.len() {
            variant.push_str(&format!(" truncated ({} of {} bytes)", d.len(), img.end));
        } else if !img.qnew {
            let mut m = Md5::new();
            m.update(SALT);
            m.update(&d[PREAMBLE..img.end]);
            checks.push(Check::digest(
                "md5",
                "MD5 of the tplink-safeloader salt followed by bytes 0x14..size",
                &d[4..PREAMBLE],
                m.finalize().as_slice(),
            ));
        }
        note_mismatches(&mut variant, &checks);
        Some(Chunk {
            start,
            end: start + img.end.min(d.len()),
            variant,
            checks,
            ..Chunk::default()
        })
    }

    fn extract(&self, data: &Bytes, _chunk: &Chunk, out: &mut Sink) -> FormatResult<()> {
        let Some(img) = parse(data) else {
            return invalid("safeloader partition table does not parse");
        };
        for p in &img.parts {
            let a = img.payload.saturating_add(p.base).min(data.len());
            let b = a.saturating_add(p.size).min(data.len());
            out.file(&p.name, Meta::mode(0o644), data.slice(a..b))?;
        }
        Ok(())
    }
}

/// Build a factory image as tplink-safeloader does (tests): `parts` are (name, data).
#[cfg(test)]
pub(crate) fn build(vendor: &str, parts: &[(&str, &[u8])]) -> Vec<u8> {
    let len = PAYLOAD + TABLE + parts.iter().map(|p| p.1.len()).sum::<usize>();
    let mut img = vec![0xffu8; len];
    img[..4].copy_from_slice(&(len as u32).to_be_bytes());
    img[PREAMBLE..PREAMBLE + 4].copy_from_slice(&(vendor.len() as u32).to_be_bytes());
    img[PREAMBLE + 4..PREAMBLE + 4 + vendor.len()].copy_from_slice(vendor.as_bytes());
    let mut t = String::new();
    let mut base = TABLE;
    for (name, body) in parts {
        t.push_str(&format!(
            "fwup-ptn {name} base 0x{base:05x} size 0x{:05x}\t\r\n",
            body.len()
        ));
        img[PAYLOAD + base..PAYLOAD + base + body.len()].copy_from_slice(body);
        base += body.len();
    }
    img[PAYLOAD..PAYLOAD + t.len()].copy_from_slice(t.as_bytes());
    img[PAYLOAD + t.len()] = 0;
    let mut m = Md5::new();
    m.update(SALT);
    m.update(&img[PREAMBLE..]);
    let d = m.finalize();
    img[4..PREAMBLE].copy_from_slice(&d);
    img
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Limits, Unpacker};

    fn only() -> Vec<crate::handler::HandlerRef> {
        vec![std::sync::Arc::new(TplinkSafeloader)]
    }

    fn parts() -> Vec<(&'static str, &'static [u8])> {
        vec![
            (
                "partition-table",
                b"\x00\x04\x00\x00partition fs-uboot base 0x00000 size 0x20000\n\x00",
            ),
            ("os-image", b"kernel bytes"),
            ("file-system", b"root file system bytes"),
            (
                "support-list",
                b"\x00\x00\x00\x0e\x00\x00\x00\x00SupportList:\r\n",
            ),
        ]
    }

    #[test]
    fn reads_the_table_and_verifies_the_md5() {
        let img = build("CPE510(TP-LINK|UN|N300-5):1.0\r\n", &parts());
        assert_eq!(
            &img[PAYLOAD..PAYLOAD + 57],
            b"fwup-ptn partition-table base 0x00800 size 0x00032\t\r\nfwup"
        );
        let c = TplinkSafeloader
            .identify(&img, 0, &Probe::default())
            .unwrap();
        assert_eq!(
            c.variant,
            "4 partitions (partition-table, os-image, file-system, support-list) vendor \
             'CPE510(TP-LINK|UN|N300-5):1.0'"
        );
        assert_eq!(c.checks.len(), 1);
        assert!(c.checks[0].ok());
        let mut padded = vec![0u8; 100];
        padded.extend_from_slice(&img);
        padded.extend_from_slice(&[0u8; 50]);
        let tree =
            Unpacker::with_handlers(Limits::default(), only()).unpack_bytes(Bytes::from(padded));
        let get = |n: &str| tree.get(&format!("0x64.tplink-safeloader/{n}")).unwrap();
        assert_eq!(&get("os-image").data[..], b"kernel bytes");
        assert_eq!(&get("file-system").data[..], b"root file system bytes");
        assert_eq!(get("partition-table").size, 50);
        assert_eq!(get("support-list").size, 22);
        assert_eq!(tree.integrity.len(), 1);
        assert_eq!(tree.integrity[0].field, "md5");
        assert!(tree.integrity[0].ok);
    }

    #[test]
    fn changed_byte_is_an_md5_mismatch_and_still_unpacked() {
        let mut img = build("", &parts());
        let stored = hex(&img[4..PREAMBLE]);
        let n = img.len();
        img[n - 3] ^= 0x20; // inside support-list
        let c = TplinkSafeloader
            .identify(&img, 0, &Probe::default())
            .unwrap();
        assert_eq!(c.checks[0].stored, stored);
        let mut m = Md5::new();
        m.update(SALT);
        m.update(&img[PREAMBLE..]);
        assert_eq!(c.checks[0].computed, hex(&m.finalize()));
        assert!(c.variant.ends_with("(md5 mismatch)"), "{}", c.variant);
        let tree =
            Unpacker::with_handlers(Limits::default(), only()).unpack_bytes(Bytes::from(img));
        assert!(!tree.integrity[0].ok);
        assert!(tree.get("0x0.tplink-safeloader/os-image").is_some());
    }

    #[test]
    fn hostile_tables() {
        let img = build("", &parts());
        let p = Probe::default();
        let mut bad = img.clone();
        bad[PAYLOAD + 30] = b'Z'; // "base Zx00800": not hex
        assert!(TplinkSafeloader.identify(&bad, 0, &p).is_none());
        let mut bad = img.clone();
        bad[..4].copy_from_slice(&16u32.to_be_bytes()); // size before the table
        assert!(TplinkSafeloader.identify(&bad, 0, &p).is_none());
        // the second line of the table is not taken for the start of another image
        let line2 = PAYLOAD + 53;
        assert_eq!(&img[line2..line2 + 17], b"fwup-ptn os-image");
        assert!(TplinkSafeloader.identify(&img, 53, &p).is_none());
        // a partition past the end: emitted as far as the data goes
        let mut bad = img.clone();
        let t = b"fwup-ptn os-image base 0x00800 size 0xfffffff\t\r\n\x00";
        bad[PAYLOAD..PAYLOAD + t.len()].copy_from_slice(t);
        let n = bad.len();
        let tree =
            Unpacker::with_handlers(Limits::default(), only()).unpack_bytes(Bytes::from(bad));
        assert_eq!(
            tree.get("0x0.tplink-safeloader/os-image").unwrap().size as usize,
            n - PAYLOAD - TABLE
        );
        // truncated: no check, partitions cut at the end
        let cut = &img[..img.len() - 10];
        let c = TplinkSafeloader.identify(cut, 0, &p).unwrap();
        assert!(c.checks.is_empty());
        assert!(c.variant.contains("truncated"), "{}", c.variant);
        // 33 entries are refused
        let mut many = img.clone();
        let line = b"fwup-ptn a base 0x00800 size 0x00001\n";
        for i in 0..33 {
            many[PAYLOAD + i * line.len()..PAYLOAD + (i + 1) * line.len()].copy_from_slice(line);
        }
        many[PAYLOAD + 33 * line.len()] = 0;
        assert_eq!(
            table(&many[PAYLOAD..PAYLOAD + TABLE]).map(|p| p.len()),
            None
        );
        many[PAYLOAD + 32 * line.len()] = 0;
        assert_eq!(
            table(&many[PAYLOAD..PAYLOAD + TABLE]).map(|p| p.len()),
            Some(32)
        );
    }
}
