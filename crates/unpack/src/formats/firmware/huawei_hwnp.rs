//! Huawei HWNP upgrade packages (EchoLife / OptiXstar ONTs such as HG8245, HG8145, and other
//! Huawei CPE): a header with a CRC32 over the package and one over the header, a product
//! list, an item table (each item with its own CRC32), then the items' data (kernel, root
//! file system, configuration XML, signature).
//!
//! Written by hand: fixed headers; no maintained crate reads them. Fields are little-endian
//! except `raw_sz`, which Huawei's tool stores byte-swapped (big-endian).
//!
//! ```text
//! struct hwnp_header {           // 36 bytes
//!     char magic[4] = "HWNP";
//!     u32  raw_sz;               // big-endian: package size - 0x4c
//!     u32  raw_crc32;            // crc32 of bytes 0x0c..end (header tail, tables, data)
//!     u32  hdr_sz;               // 36 + product list + items (older tools: 36 less)
//!     u32  hdr_crc32;            // crc32 of bytes 0x14..end of the item table
//!     u32  item_counts;
//!     u8   unknown[2];
//!     u16  product_list_sz;
//!     u32  item_sz;              // 360
//!     u32  reserved;
//! };
//! // char product_list[product_list_sz];   "494|4B4|534|;COMMON|CMCC|"
//! struct hwnp_item {             // 360 bytes
//!     u32  iter; u32 item_crc32; // crc32 of the item's data
//!     u32  data_off; u32 data_sz;
//!     char item[256];            // "file:/var/UpgradeCheck.xml", "flash:kernel"
//!     char section[16];          // "UPGRDCHECK", "KERNEL"
//!     char version[64];
//!     u32  policy; u32 reserved;
//! };
//! ```
//! Items are emitted under the path after the `file:` / `flash:` prefix.

use bytes::Bytes;

use crate::bytes::le32;
use crate::handler::*;
use crate::tree::Meta;

pub static DOC: FormatDoc = FormatDoc {
    name: "huawei-hwnp",
    category: Category::Firmware,
    description: "Huawei HWNP upgrade package (ONT / CPE): items emitted under their paths; the \
                  package CRC32, the header CRC32 and every item's CRC32 are verified.",
    references: &[
        "0xuserpag3/HuaweiFirmwareTool huawei_header.h, util_hw.cpp (HW_CRC32_Make)",
        "LeeXiaolan, 'Pwn Huawei HG8120C ONT: upgrade pack format' (blog, part 3)",
    ],
    limitations: "The RSA signature item (SIGNINFO) is emitted, not verified (Huawei's public \
                  key is not in the rules).",
};

const HDR: usize = 36;
const ITEM: usize = 360;
const MAX_ITEMS: usize = 512;

pub struct HuaweiHwnp;

fn cstr(d: &[u8]) -> Option<String> {
    let s = &d[..memchr::memchr(0, d).unwrap_or(d.len())];
    s.iter()
        .all(|&c| (0x20..0x7f).contains(&c))
        .then(|| String::from_utf8_lossy(s).into_owned())
}

struct Item {
    name: String,
    crc: u32,
    at: usize,
    size: usize,
}

struct Header {
    /// End of the item table.
    tables_end: usize,
    end: usize,
    products: String,
    items: Vec<Item>,
}

fn parse(d: &[u8]) -> Option<Header> {
    if d.get(..4)? != b"HWNP" {
        return None;
    }
    let count = le32(d, 0x14)? as usize;
    let plist = u16::from_le_bytes([*d.get(0x1a)?, *d.get(0x1b)?]) as usize;
    if le32(d, 0x1c)? as usize != ITEM || count == 0 || count > MAX_ITEMS {
        return None;
    }
    let products = cstr(d.get(HDR..HDR + plist)?)?;
    let tables_end = HDR + plist + count * ITEM;
    let mut items = Vec::with_capacity(count);
    let mut end = tables_end;
    for i in 0..count {
        let b = HDR + plist + i * ITEM;
        let e = d.get(b..b + ITEM)?;
        let at = le32(e, 8)? as usize;
        let size = le32(e, 12)? as usize;
        let name = cstr(&e[16..16 + 256])?;
        if at < tables_end {
            return None;
        }
        end = end.max(at.checked_add(size)?);
        items.push(Item {
            name,
            crc: le32(e, 4)?,
            at,
            size,
        });
    }
    Some(Header {
        tables_end,
        end,
        products,
        items,
    })
}

impl Handler for HuaweiHwnp {
    fn doc(&self) -> &'static FormatDoc {
        &DOC
    }

    fn magics(&self) -> &'static [Magic] {
        static M: [Magic; 1] = [Magic::at0(b"HWNP")];
        &M
    }

    fn identify(&self, data: &[u8], start: usize, _probe: &Probe) -> Option<Chunk> {
        let d = data.get(start..)?;
        let h = parse(d)?;
        let mut variant = format!("{} items; products {}", h.items.len(), h.products);
        let mut checks = vec![Check::u32(
            "hdr_crc32",
            "crc32 of bytes 0x14..end of the item table",
            le32(d, 0x10)?,
            crc32fast::hash(&d[0x14..h.tables_end]),
        )];
        if h.end <= d.len() {
            let mut all = crc32fast::Hasher::new();
            all.update(&d[0x0c..h.tables_end]);
            for it in &h.items {
                let body = &d[it.at..it.at + it.size];
                all.update(body);
                checks.push(Check::u32(
                    "item_crc32",
                    format!("crc32 of item '{}'", it.name),
                    it.crc,
                    crc32fast::hash(body),
                ));
            }
            checks.push(Check::u32(
                "raw_crc32",
                "crc32 of bytes 0x0c..end (tables, then the items' data in item order)",
                le32(d, 8)?,
                all.finalize(),
            ));
        } else {
            variant.push_str(&format!(" truncated ({} of {} bytes)", d.len(), h.end));
        }
        let bad = checks.iter().filter(|c| !c.ok()).count();
        if bad > 0 {
            variant.push_str(&format!(" ({bad} crc mismatch)"));
        }
        Some(Chunk {
            start,
            end: start + h.end.min(d.len()),
            variant,
            checks,
            ..Chunk::default()
        })
    }

    fn extract(&self, data: &Bytes, _chunk: &Chunk, out: &mut Sink) -> FormatResult<()> {
        let Some(h) = parse(data) else {
            return invalid("HWNP header does not parse");
        };
        let mut short = Vec::new();
        for it in &h.items {
            let path = it.name.split_once(':').map_or(it.name.as_str(), |x| x.1);
            let end = it.at.saturating_add(it.size).min(data.len());
            if it.at >= end {
                short.push(it.name.clone());
                continue;
            }
            if end < it.at + it.size {
                short.push(it.name.clone());
            }
            out.file(path, Meta::mode(0o644), data.slice(it.at..end))?;
        }
        if !short.is_empty() {
            return truncated(format!("HWNP items cut short: {}", short.join(", ")));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Limits, Unpacker};

    /// A package as HuaweiFirmwareTool's HW_FirmwarePack writes it.
    fn build(products: &str, items: &[(&str, &str, &[u8])]) -> Vec<u8> {
        let plist = products.len() + 1;
        let tables = HDR + plist + items.len() * ITEM;
        let mut v = vec![0u8; tables];
        v[..4].copy_from_slice(b"HWNP");
        v[0x0c..0x10].copy_from_slice(&(tables as u32).to_le_bytes());
        v[0x14..0x18].copy_from_slice(&(items.len() as u32).to_le_bytes());
        v[0x1a..0x1c].copy_from_slice(&(plist as u16).to_le_bytes());
        v[0x1c..0x20].copy_from_slice(&(ITEM as u32).to_le_bytes());
        v[HDR..HDR + products.len()].copy_from_slice(products.as_bytes());
        let mut at = tables;
        for (i, (name, section, body)) in items.iter().enumerate() {
            let b = HDR + plist + i * ITEM;
            v[b..b + 4].copy_from_slice(&(i as u32).to_le_bytes());
            v[b + 4..b + 8].copy_from_slice(&crc32fast::hash(body).to_le_bytes());
            v[b + 8..b + 12].copy_from_slice(&(at as u32).to_le_bytes());
            v[b + 12..b + 16].copy_from_slice(&(body.len() as u32).to_le_bytes());
            v[b + 16..b + 16 + name.len()].copy_from_slice(name.as_bytes());
            v[b + 272..b + 272 + section.len()].copy_from_slice(section.as_bytes());
            at += body.len();
        }
        for (_, _, body) in items {
            v.extend_from_slice(body);
        }
        let raw_sz = (v.len() - 0x4c) as u32;
        v[4..8].copy_from_slice(&raw_sz.to_be_bytes());
        let h = crc32fast::hash(&v[0x14..tables]);
        v[0x10..0x14].copy_from_slice(&h.to_le_bytes());
        let all = crc32fast::hash(&v[0x0c..]);
        v[8..12].copy_from_slice(&all.to_le_bytes());
        v
    }

    #[test]
    fn items_by_path_and_every_crc() {
        let img = build(
            "494|4B4|;COMMON|",
            &[
                ("file:/var/UpgradeCheck.xml", "UPGRDCHECK", b"<upgrade/>\n"),
                ("flash:kernel", "KERNEL", &[0x77u8; 3000]),
            ],
        );
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img));
        assert_eq!(
            &tree
                .get("0x0.huawei-hwnp/var/UpgradeCheck.xml")
                .unwrap()
                .data[..],
            b"<upgrade/>\n"
        );
        assert_eq!(tree.get("0x0.huawei-hwnp/kernel").unwrap().size, 3000);
        assert_eq!(tree.layers[0].variant, "2 items; products 494|4B4|;COMMON|");
        assert_eq!(tree.integrity.len(), 4);
        assert!(tree.integrity.iter().all(|c| c.ok), "{:?}", tree.integrity);
    }

    #[test]
    fn replaced_item_is_reported_per_item_and_as_a_whole() {
        let mut img = build("P", &[("flash:rootfs", "ROOTFS", &[1u8; 500])]);
        let n = img.len();
        img[n - 1] = 2;
        let c = HuaweiHwnp.identify(&img, 0, &Probe::default()).unwrap();
        let bad: Vec<&str> = c
            .checks
            .iter()
            .filter(|c| !c.ok())
            .map(|c| c.field)
            .collect();
        assert_eq!(bad, ["item_crc32", "raw_crc32"]);
        let item = &c.checks[1];
        assert_eq!(item.algorithm, "crc32 of item 'flash:rootfs'");
        assert_eq!(
            item.stored,
            format!("{:#010x}", crc32fast::hash(&[1u8; 500]))
        );
        let mut changed = [1u8; 500];
        changed[499] = 2;
        assert_eq!(
            item.computed,
            format!("{:#010x}", crc32fast::hash(&changed))
        );
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img));
        assert_eq!(tree.get("0x0.huawei-hwnp/rootfs").unwrap().data[499], 2);
    }

    #[test]
    fn hostile_tables() {
        let img = build("P", &[("flash:x", "X", &[1u8; 10])]);
        let mut bad = img.clone();
        bad[0x14..0x18].copy_from_slice(&100_000u32.to_le_bytes());
        assert!(HuaweiHwnp.identify(&bad, 0, &Probe::default()).is_none());
        let mut bad = img.clone();
        let b = HDR + 2;
        bad[b + 8..b + 12].copy_from_slice(&4u32.to_le_bytes()); // data inside the tables
        assert!(HuaweiHwnp.identify(&bad, 0, &Probe::default()).is_none());
        let mut bad = img;
        bad[b + 12..b + 16].copy_from_slice(&0xffff_fff0u32.to_le_bytes());
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(bad));
        assert_eq!(tree.get("0x0.huawei-hwnp/x").unwrap().size, 10);
        assert_eq!(tree.errors.len(), 1, "{:?}", tree.errors);
    }
}
