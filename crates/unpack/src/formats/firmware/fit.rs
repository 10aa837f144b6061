//! Flattened device tree: U-Boot FIT images (`mkimage -f image.its`) and plain DTBs.
//!
//! A FIT is a device tree whose `/images` node holds one subnode per image (kernel, ramdisk,
//! fdt-1, ...), with the image bytes in a `data` property, or outside the tree at
//! `data-position` (absolute) / `data-offset` (after the tree, 4-byte aligned) with
//! `data-size` (`mkimage -E`). A DTB without `/images` is recognised and nothing is extracted.
//!
//! Written by hand (bounded, about 100 lines): the `fdt` crate is still an alpha for the
//! version that reads arbitrary property bytes, and the structure block is a flat token
//! list that is easy to walk with explicit limits.
//!
//! ```text
//! 00000000  d0 0d fe ed 00 20 09 a8  00 00 00 38 00 20 05 74  |..... .....8. .t|
//! 00000010  00 00 00 28 00 00 00 11  00 00 00 10 00 00 00 00  |...(............|
//! struct fdt_header {            // big-endian
//!     u32 magic = 0xd00dfeed;
//!     u32 totalsize;
//!     u32 off_dt_struct, off_dt_strings, off_mem_rsvmap;
//!     u32 version;               // 17
//!     u32 last_comp_version;     // 16
//!     u32 boot_cpuid_phys;
//!     u32 size_dt_strings, size_dt_struct;
//! };
//! // structure block: u32 tokens: 1 BEGIN_NODE name\0 (pad 4), 2 END_NODE,
//! //   3 PROP u32 len, u32 nameoff, value (pad 4), 4 NOP, 9 END
//! ```

use bytes::Bytes;

use crate::bytes::be32;
use crate::handler::*;
use crate::tree::Meta;

pub static DOC: FormatDoc = FormatDoc {
    name: "fit",
    category: Category::Firmware,
    description: "U-Boot FIT image (device tree with /images): each image's data (inline or \
                  external) is emitted as a file named after its node; a plain DTB is \
                  recognised and skipped.",
    references: &[
        "Devicetree Specification v0.4, chapter 5 (flattened devicetree format)",
        "U-Boot doc/usage/fit/source_file_format.rst",
    ],
    limitations: "Signatures and hashes inside the FIT are not verified; configurations are \
                  not interpreted.",
};

const MAGIC: u32 = 0xd00d_feed;
const MAX_DEPTH: usize = 64;

pub struct Fit;

fn cstr(d: &[u8]) -> String {
    let end = memchr::memchr(0, d).unwrap_or(d.len());
    String::from_utf8_lossy(&d[..end]).to_string()
}

/// One subnode of `/images`.
#[derive(Debug, Default)]
struct Image {
    name: String,
    /// Inline `data`: range in the blob.
    data: Option<std::ops::Range<usize>>,
    position: Option<u32>,
    offset: Option<u32>,
    size: Option<u32>,
}

#[derive(Debug, Default)]
struct Tree {
    total: usize,
    has_images: bool,
    images: Vec<Image>,
    description: String,
    model: String,
}

impl Tree {
    /// Where an image's bytes are in the blob.
    fn image_range(&self, im: &Image) -> Option<std::ops::Range<usize>> {
        if let Some(r) = &im.data {
            return Some(r.clone());
        }
        let size = im.size? as usize;
        let start = match (im.position, im.offset) {
            (Some(p), _) => p as usize,
            (None, Some(o)) => ((self.total + 3) & !3).checked_add(o as usize)?,
            _ => return None,
        };
        Some(start..start.checked_add(size)?)
    }

    fn extent(&self) -> usize {
        let mut end = self.total;
        for im in &self.images {
            if let Some(r) = self.image_range(im) {
                end = end.max(r.end);
            }
        }
        end
    }
}

/// Parse the device tree at the start of `d`; `None` when it is not a valid one.
fn parse(d: &[u8]) -> Option<Tree> {
    if be32(d, 0)? != MAGIC {
        return None;
    }
    let total = be32(d, 4)? as usize;
    let off_struct = be32(d, 8)? as usize;
    let off_strings = be32(d, 12)? as usize;
    let version = be32(d, 20)?;
    let last_comp = be32(d, 24)?;
    if total < 40 || total > d.len() || !(16..=17).contains(&last_comp) || version < 16 {
        return None;
    }
    let size_strings = be32(d, 32)? as usize;
    let size_struct = if version >= 17 {
        be32(d, 36)? as usize
    } else {
        total.checked_sub(off_struct)?
    };
    let struct_end = off_struct.checked_add(size_struct)?;
    let strings_end = off_strings.checked_add(size_strings)?;
    if off_struct < 40 || struct_end > total || strings_end > total || !off_struct.is_multiple_of(4)
    {
        return None;
    }
    let strings = &d[off_strings..strings_end];
    let mut t = Tree {
        total,
        ..Tree::default()
    };
    let mut path: Vec<String> = Vec::new();
    let mut pos = off_struct;
    let mut ended = false;
    // every token takes at least 4 bytes: the walk ends within size_struct / 4 steps
    while pos + 4 <= struct_end {
        let tok = be32(d, pos)?;
        pos += 4;
        match tok {
            1 => {
                let rest = d.get(pos..struct_end)?;
                let n = memchr::memchr(0, rest)?;
                let name = String::from_utf8_lossy(&rest[..n]).to_string();
                pos += (n + 1 + 3) & !3;
                if path.len() >= MAX_DEPTH {
                    return None;
                }
                if path.len() == 2 && path[1] == "images" {
                    t.images.push(Image {
                        name: name.clone(),
                        ..Image::default()
                    });
                }
                if path.len() == 1 && name == "images" {
                    t.has_images = true;
                }
                path.push(name);
            }
            2 => {
                path.pop()?;
            }
            3 => {
                let len = be32(d, pos)? as usize;
                let nameoff = be32(d, pos + 4)? as usize;
                let vstart = pos + 8;
                let vend = vstart.checked_add(len)?;
                if vend > struct_end {
                    return None;
                }
                pos = (vend + 3) & !3;
                let pname = cstr(strings.get(nameoff..)?);
                let val = &d[vstart..vend];
                if path.len() == 1 {
                    match pname.as_str() {
                        "description" => t.description = cstr(val),
                        "model" => t.model = cstr(val),
                        _ => {}
                    }
                } else if path.len() == 3 && path[1] == "images" {
                    let im = t.images.last_mut()?;
                    let u = || be32(val, 0).filter(|_| len == 4);
                    match pname.as_str() {
                        "data" => im.data = Some(vstart..vend),
                        "data-position" => im.position = u(),
                        "data-offset" => im.offset = u(),
                        "data-size" => im.size = u(),
                        _ => {}
                    }
                }
            }
            4 => {}
            9 => {
                ended = true;
                break;
            }
            _ => return None,
        }
    }
    if !ended || !path.is_empty() {
        return None;
    }
    Some(t)
}

impl Handler for Fit {
    fn doc(&self) -> &'static FormatDoc {
        &DOC
    }

    fn magics(&self) -> &'static [Magic] {
        static M: [Magic; 1] = [Magic::at0(b"\xd0\x0d\xfe\xed")];
        &M
    }

    fn identify(&self, data: &[u8], start: usize, _probe: &Probe) -> Option<Chunk> {
        let d = data.get(start..)?;
        let t = parse(d)?;
        let variant = if t.has_images {
            format!("fit {} images: {}", t.images.len(), t.description)
        } else {
            format!("dtb: {}", t.model)
        };
        Some(Chunk {
            checks: Vec::new(),
            start,
            end: start + t.extent().min(d.len()),
            decoded: None,
            truncated: false,
            variant: variant.trim_end_matches([' ', ':']).to_string(),
        })
    }

    fn extract(&self, data: &Bytes, _chunk: &Chunk, out: &mut Sink) -> FormatResult<()> {
        let Some(t) = parse(data) else {
            return invalid("device tree does not parse");
        };
        let mut missing = Vec::new();
        for im in &t.images {
            match t.image_range(im) {
                Some(r) if r.end <= data.len() => {
                    out.file(&im.name, Meta::mode(0o644), data.slice(r))?;
                }
                Some(r) => missing.push(format!(
                    "'{}' ({} bytes at {:#x}) is beyond the data",
                    im.name,
                    r.len(),
                    r.start
                )),
                None => missing.push(format!("'{}' has no data", im.name)),
            }
        }
        if !missing.is_empty() {
            return invalid(format!("FIT image: {}", missing.join("; ")));
        }
        Ok(())
    }
}

/// Build a device tree blob (for tests): `nodes` is a list of (path depth changes) encoded
/// as a simple script so that tests read like the .its source.
#[cfg(test)]
pub(crate) struct DtbBuilder {
    structs: Vec<u8>,
    strings: Vec<u8>,
}

#[cfg(test)]
impl DtbBuilder {
    pub(crate) fn new() -> DtbBuilder {
        let mut b = DtbBuilder {
            structs: Vec::new(),
            strings: Vec::new(),
        };
        b.begin("");
        b
    }
    fn pad(&mut self) {
        while !self.structs.len().is_multiple_of(4) {
            self.structs.push(0);
        }
    }
    pub(crate) fn begin(&mut self, name: &str) -> &mut Self {
        self.structs.extend(1u32.to_be_bytes());
        self.structs.extend(name.as_bytes());
        self.structs.push(0);
        self.pad();
        self
    }
    pub(crate) fn end(&mut self) -> &mut Self {
        self.structs.extend(2u32.to_be_bytes());
        self
    }
    pub(crate) fn prop(&mut self, name: &str, val: &[u8]) -> &mut Self {
        let off = self.strings.len() as u32;
        self.strings.extend(name.as_bytes());
        self.strings.push(0);
        self.structs.extend(3u32.to_be_bytes());
        self.structs.extend((val.len() as u32).to_be_bytes());
        self.structs.extend(off.to_be_bytes());
        self.structs.extend(val);
        self.pad();
        self
    }
    pub(crate) fn finish(&mut self) -> Vec<u8> {
        self.end();
        self.structs.extend(9u32.to_be_bytes());
        let off_rsv = 40u32;
        let off_struct = off_rsv + 16;
        let off_strings = off_struct + self.structs.len() as u32;
        let total = off_strings + self.strings.len() as u32;
        let mut d = Vec::new();
        for v in [
            MAGIC,
            total,
            off_struct,
            off_strings,
            off_rsv,
            17,
            16,
            0,
            self.strings.len() as u32,
            self.structs.len() as u32,
        ] {
            d.extend(v.to_be_bytes());
        }
        d.extend([0u8; 16]);
        d.extend(&self.structs);
        d.extend(&self.strings);
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Limits, Unpacker};

    fn fit(kernel: &[u8], fdt: &[u8]) -> Vec<u8> {
        DtbBuilder::new()
            .prop("description", b"test FIT\0")
            .begin("images")
            .begin("kernel")
            .prop("description", b"Linux\0")
            .prop("data", kernel)
            .prop("type", b"kernel\0")
            .end()
            .begin("fdt-1")
            .prop("data", fdt)
            .end()
            .end()
            .begin("configurations")
            .prop("default", b"conf-1\0")
            .end()
            .finish()
    }

    #[test]
    fn fit_inline_images() {
        let k: Vec<u8> = (0..777u32).map(|i| (i % 13) as u8).collect();
        let mut img = vec![0u8; 12];
        img.extend(fit(&k, b"fdtdata"));
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img));
        assert_eq!(&tree.get("0xc.fit/kernel").unwrap().data[..], &k[..]);
        assert_eq!(&tree.get("0xc.fit/fdt-1").unwrap().data[..], b"fdtdata");
        assert_eq!(tree.layers[0].variant, "fit 2 images: test FIT");
        assert!(tree.errors.is_empty(), "{:?}", tree.errors);
    }

    #[test]
    fn fit_external_data() {
        let mut d = DtbBuilder::new()
            .begin("images")
            .begin("kernel")
            .prop("data-offset", &0u32.to_be_bytes())
            .prop("data-size", &5u32.to_be_bytes())
            .end()
            .begin("ramdisk")
            .prop("data-offset", &8u32.to_be_bytes())
            .prop("data-size", &3u32.to_be_bytes())
            .end()
            .end()
            .finish();
        while !d.len().is_multiple_of(4) {
            d.push(0);
        }
        d.extend(b"KERNL\0\0\0RDK");
        let n = d.len();
        let c = Fit.identify(&d, 0, &Probe::default()).unwrap();
        assert_eq!(c.end, n);
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(d));
        assert_eq!(&tree.get("0x0.fit/kernel").unwrap().data[..], b"KERNL");
        assert_eq!(&tree.get("0x0.fit/ramdisk").unwrap().data[..], b"RDK");
    }

    #[test]
    fn plain_dtb_is_recognised_and_empty() {
        let d = DtbBuilder::new()
            .prop("model", b"Acme Router\0")
            .begin("cpus")
            .end()
            .finish();
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(d));
        assert_eq!(tree.layers.len(), 1);
        assert_eq!(tree.layers[0].variant, "dtb: Acme Router");
        assert!(tree.entries.is_empty());
    }

    #[test]
    fn hostile_trees() {
        let good = fit(b"kernel", b"fdt");
        // truncated anywhere: never a panic, never accepted past the data
        for cut in (0..good.len()).step_by(7) {
            assert!(Fit.identify(&good[..cut], 0, &Probe::default()).is_none());
        }
        // a property length far past the block
        let mut bad = good.clone();
        let p = 56 + 8 + 4; // len field of the first PROP (after the root BEGIN_NODE)
        bad[p..p + 4].copy_from_slice(&0x7fff_fff0u32.to_be_bytes());
        assert!(Fit.identify(&bad, 0, &Probe::default()).is_none());
        // external data far beyond the blob: error recorded, no entry
        let d = DtbBuilder::new()
            .begin("images")
            .begin("../../kernel")
            .prop("data-position", &0x7000_0000u32.to_be_bytes())
            .prop("data-size", &0x1000_0000u32.to_be_bytes())
            .end()
            .end()
            .finish();
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(d));
        assert!(tree.entries.is_empty());
        assert_eq!(tree.errors.len(), 1);
        assert!(tree.errors[0].error.contains("beyond the data"));
        // deep nesting is refused
        let mut b = DtbBuilder::new();
        for _ in 0..100 {
            b.begin("n");
        }
        for _ in 0..100 {
            b.end();
        }
        assert!(Fit.identify(&b.finish(), 0, &Probe::default()).is_none());
    }
}
