//! ELF metadata used for identification: the SONAME and the `.note.package` note
//! (<https://systemd.io/ELF_PACKAGE_METADATA/>), read with the `object` crate.

use object::elf;
use object::read::elf::{Dyn, FileHeader};
use object::{Object, ObjectSection};

pub fn is_elf(data: &[u8]) -> bool {
    data.starts_with(b"\x7fELF")
}

fn soname_of<H: FileHeader<Endian = object::Endianness>>(data: &[u8]) -> Option<String> {
    let h = H::parse(data).ok()?;
    let e = h.endian().ok()?;
    let sections = h.sections(e, data).ok()?;
    let (dyns, link) = sections.dynamic(e, data).ok()??;
    let strings = sections.strings(e, data, link).ok()?;
    for d in dyns.iter().take(4096) {
        match d.tag32(e) {
            Some(elf::DT_NULL) => break,
            Some(elf::DT_SONAME) => {
                let s = d.string(e, strings).ok()?;
                return std::str::from_utf8(s).ok().map(str::to_string);
            }
            _ => {}
        }
    }
    None
}

/// The DT_SONAME of a shared object (needs section headers; stripped-of-sections files
/// yield `None`).
pub fn soname(data: &[u8]) -> Option<String> {
    match object::FileKind::parse(data).ok()? {
        object::FileKind::Elf32 => soname_of::<elf::FileHeader32<object::Endianness>>(data),
        object::FileKind::Elf64 => soname_of::<elf::FileHeader64<object::Endianness>>(data),
        _ => None,
    }
}

/// Package metadata from `.note.package`: `(type, name, version, osCpe)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotePackage {
    pub kind: String,
    pub name: String,
    pub version: String,
    pub os_cpe: Option<String>,
}

/// Read the FDO package note (type 0xcafe1a7e, owner "FDO", JSON description).
pub fn note_package(data: &[u8]) -> Option<NotePackage> {
    let file = object::File::parse(data).ok()?;
    let sec = file.section_by_name(".note.package")?;
    let d = sec.data().ok()?;
    let little = file.is_little_endian();
    let u32at = |o: usize| -> Option<u32> {
        let b: [u8; 4] = d.get(o..o.checked_add(4)?)?.try_into().ok()?;
        Some(if little {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        })
    };
    let namesz = u32at(0)? as usize;
    let descsz = u32at(4)? as usize;
    let kind = u32at(8)?;
    if kind != 0xcafe_1a7e {
        return None;
    }
    let name_end = 12usize.checked_add(namesz)?;
    let desc_start = 12 + ((namesz + 3) & !3);
    let owner = d.get(12..name_end)?;
    if owner.strip_suffix(b"\0").unwrap_or(owner) != b"FDO" {
        return None;
    }
    let desc = d.get(desc_start..desc_start.checked_add(descsz)?)?;
    let desc = desc.strip_suffix(b"\0").unwrap_or(desc);
    let j: serde_json::Value = serde_json::from_slice(desc).ok()?;
    let g = |k: &str| j.get(k).and_then(|v| v.as_str()).map(str::to_string);
    Some(NotePackage {
        kind: g("type").unwrap_or_default(),
        name: g("name")?,
        version: g("version").unwrap_or_default(),
        os_cpe: g("osCpe"),
    })
}
