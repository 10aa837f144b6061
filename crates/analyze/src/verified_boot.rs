//! Verified boot: `boot.insecure`.
//!
//! What an image can show, and what this analyzer reports (severity low: exploiting a boot
//! chain that does not verify the kernel needs write access to flash first, as root on the
//! device or with physical access; verified boot is what stops such an attacker from staying):
//!
//! - **FIT images without signatures.** A U-Boot FIT (`mkimage -f`) can carry a `signature`
//!   node per configuration or image, which U-Boot checks against a key in its own device tree
//!   when the key is marked `required`. A FIT that has `hash` nodes only (CRC32, SHA-1,
//!   SHA-256) is checked for corruption, not for origin: reported, with the images and hash
//!   algorithms as evidence. FIT files anywhere in the tree and FIT layers carved from a file of
//!   the tree are read; a FIT that is the scanned image itself is listed in the summary as not
//!   judged (its bytes are not part of the tree).
//! - **Legacy uImage kernels.** The legacy U-Boot header (`0x27051956`) carries a CRC32 of
//!   header and data and nothing else: a kernel in it cannot be verified at boot. Reported per
//!   uImage layer of type kernel or multi.
//! - **U-Boot environments that switch image verification off** (`verify=n`/`verify=no`):
//!   `bootm` then skips even the checksum. Found in environment files and in the default
//!   environment compiled into U-Boot binaries (`\0bootcmd=...\0verify=n\0`).
//!
//! What it cannot show, and so never reports: whether the SoC's boot ROM verifies the boot
//! loader (fuses and keys are outside the image), whether a signed FIT's key is marked
//! `required` in U-Boot's control device tree when that tree is not in the image, and whether
//! the absence of dm-verity matters (most flash-based routers mount a read-only squashfs
//! without it). dm-verity and U-Boot signature support are recorded as positive markers in the
//! analyzer's summary (`boot`), which says per item what was seen.

use crate::{Analyzer, Context, Output};
use netvet_model::{kinds, Finding, Severity};
use serde_json::json;

/// FDT files larger than this are not walked.
const MAX_FDT: usize = 64 << 20;
/// Files searched for an environment or markers at most this large.
const MAX_SEARCH: usize = 16 << 20;
const FDT_MAGIC: [u8; 4] = [0xd0, 0x0d, 0xfe, 0xed];

/// What a FIT holds, as far as verified boot is concerned.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FitSummary {
    /// Subnodes of `/images`.
    pub images: Vec<String>,
    /// Subnodes of `/configurations`.
    pub configurations: Vec<String>,
    /// Paths of `signature*` nodes.
    pub signatures: Vec<String>,
    /// `algo` values of `hash*` nodes.
    pub hash_algos: Vec<String>,
}

fn be32(d: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(
        d.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}

/// Walk a flattened device tree (bounded: at most 100 000 tokens, depth 64). `None` when `d`
/// is not a FIT (no `/images` node) or is malformed.
///
/// Hand-written like the unpacker's FIT handler (which extracts images and keeps no
/// structure): a token walk of about 60 lines with explicit limits, no crate needed.
pub fn fit_summary(d: &[u8]) -> Option<FitSummary> {
    if d.get(..4)? != FDT_MAGIC {
        return None;
    }
    let total = be32(d, 4)? as usize;
    let d = d.get(..total.min(d.len()))?;
    let off_struct = be32(d, 8)? as usize;
    let off_strings = be32(d, 12)? as usize;
    let strings = d.get(off_strings..)?;
    let mut pos = off_struct;
    let mut path: Vec<String> = Vec::new();
    let mut s = FitSummary::default();
    let mut has_images = false;
    for _ in 0..100_000 {
        let tok = be32(d, pos)?;
        pos += 4;
        match tok {
            1 => {
                let rest = d.get(pos..)?;
                let n = memchr::memchr(0, rest)?;
                let name = String::from_utf8_lossy(&rest[..n]).to_string();
                pos += (n + 1 + 3) & !3;
                if path.len() >= 64 {
                    return None;
                }
                match (path.len(), path.first().map(|p| p.as_str())) {
                    (1, _) if name == "images" => has_images = true,
                    (2, Some("")) if path[1] == "images" => s.images.push(name.clone()),
                    (2, Some("")) if path[1] == "configurations" => {
                        s.configurations.push(name.clone())
                    }
                    _ => {}
                }
                path.push(name);
                let last = path.last().map(|x| x.as_str()).unwrap_or("");
                if last.starts_with("signature") {
                    s.signatures.push(path[1..].join("/"));
                }
            }
            2 => {
                path.pop()?;
            }
            3 => {
                let len = be32(d, pos)? as usize;
                let nameoff = be32(d, pos + 4)? as usize;
                let val = d.get(pos + 8..pos + 8 + len)?;
                pos += 8 + ((len + 3) & !3);
                let pname = strings.get(nameoff..)?;
                let pname = &pname[..memchr::memchr(0, pname).unwrap_or(pname.len())];
                let node = path.last().map(|x| x.as_str()).unwrap_or("");
                if pname == b"algo" && node.starts_with("hash") {
                    let v = &val[..memchr::memchr(0, val).unwrap_or(val.len())];
                    let a = String::from_utf8_lossy(v).to_string();
                    if !s.hash_algos.contains(&a) {
                        s.hash_algos.push(a);
                    }
                }
            }
            4 => {}
            9 => break,
            _ => return None,
        }
    }
    has_images.then_some(s)
}

pub struct Boot;

fn fit_finding(path: &str, what: &str, s: &FitSummary) -> Option<Finding> {
    if !s.signatures.is_empty() {
        return None;
    }
    let hashes = if s.hash_algos.is_empty() {
        "no hash nodes".to_string()
    } else {
        format!("hash nodes only ({})", s.hash_algos.join(", "))
    };
    Some(
        Finding::new(
            kinds::BOOT_INSECURE,
            Severity::Low,
            "FIT image without signatures: U-Boot cannot verify what it boots",
            Some(path.to_string()),
            format!(
                "{what}: FIT with images [{}] and configurations [{}]: no signature node in any image or configuration, {hashes}",
                s.images.join(", "),
                s.configurations.join(", ")
            ),
        )
        .with_key(what),
    )
}

/// The value of `verify=` in a U-Boot environment blob (NUL- or newline-separated), if the
/// blob holds an environment (a `bootcmd=` entry) and sets it.
pub fn env_verify(d: &[u8]) -> Option<(usize, String)> {
    let at = memchr::memmem::find(d, b"bootcmd=")?;
    // the first variable follows the CRC32 (and, redundant environments, a flags byte)
    if at > 5 && !matches!(d[at - 1], 0 | b'\n') {
        return None;
    }
    // the variables around bootcmd (an environment is at most a few hundred KiB)
    let lo = at.saturating_sub(256 << 10);
    let hi = d.len().min(at + (256 << 10));
    let win = &d[lo..hi];
    for needle in [&b"\0verify="[..], &b"\nverify="[..]] {
        if let Some(i) = memchr::memmem::find(win, needle) {
            let v = &win[i + needle.len()..];
            let end = v
                .iter()
                .position(|b| matches!(b, 0 | b'\n' | b'\r'))
                .unwrap_or(v.len().min(16));
            return Some((lo + i + 1, String::from_utf8_lossy(&v[..end]).to_string()));
        }
    }
    None
}

impl Analyzer for Boot {
    fn name(&self) -> &'static str {
        "boot"
    }

    fn run(&self, cx: &Context) -> Output {
        let mut out = Output::default();
        let tree = cx.tree;
        let mut fits = Vec::new();
        let mut not_judged = Vec::new();
        let mut uimages = Vec::new();
        let mut signed = Vec::new();
        // FIT files
        for e in tree.files() {
            if e.data.len() <= MAX_FDT && e.data.starts_with(&FDT_MAGIC) {
                if let Some(s) = fit_summary(&e.data) {
                    fits.push(e.path.clone());
                    if s.signatures.is_empty() {
                        out.findings.extend(fit_finding(&e.path, &e.path, &s));
                    } else {
                        signed.push(format!("{}: {}", e.path, s.signatures.join(", ")));
                    }
                }
            }
        }
        // FIT and uImage layers
        for l in &tree.layers {
            let where_ = if l.parent.is_empty() {
                format!("the image at offset {:#x}", l.offset)
            } else {
                format!("{} at offset {:#x}", l.parent, l.offset)
            };
            match l.format.as_str() {
                "fit" => {
                    let Some(parent) = tree.get(&l.parent) else {
                        not_judged.push(where_);
                        continue;
                    };
                    let data = tree.content(parent);
                    let Some(slice) = data.get(l.offset as usize..) else {
                        continue;
                    };
                    if fits.contains(&parent.path) && l.offset == 0 {
                        continue; // judged as a file above
                    }
                    if let Some(s) = fit_summary(slice) {
                        fits.push(where_.clone());
                        if s.signatures.is_empty() {
                            out.findings.extend(fit_finding(&l.path, &where_, &s));
                        } else {
                            signed.push(format!("{where_}: {}", s.signatures.join(", ")));
                        }
                    }
                }
                "uimage" => {
                    let v = &l.variant;
                    if v.contains("type=kernel") || v.contains("type=multi") {
                        uimages.push(where_.clone());
                        out.findings.push(
                            Finding::new(
                                kinds::BOOT_INSECURE,
                                Severity::Low,
                                "Kernel in a legacy uImage: only a CRC32, no signature possible",
                                Some(l.path.clone()),
                                format!(
                                    "{where_}: legacy U-Boot image ({v}); the format holds a CRC32 of header and data and no signature, so the kernel cannot be verified at boot (a signed FIT can)"
                                ),
                            )
                            .with_key(&format!("uimage {v}")),
                        );
                    }
                }
                _ => {}
            }
        }
        // environments and markers
        let mut verity = Vec::new();
        let mut uboot_sig = Vec::new();
        for e in tree.files() {
            if e.data.len() > MAX_SEARCH {
                continue;
            }
            let d = &e.data;
            if let Some((off, v)) = env_verify(d) {
                if matches!(v.as_str(), "n" | "no" | "0" | "off") {
                    out.findings.push(
                        Finding::new(
                            kinds::BOOT_INSECURE,
                            Severity::Low,
                            "U-Boot environment switches image verification off",
                            Some(e.path.clone()),
                            format!(
                                "{} offset {off:#x}: U-Boot environment with verify={v}: bootm skips the image checksum",
                                e.path
                            ),
                        )
                        .with_offset(off as u64)
                        .with_key("verify"),
                    );
                }
            }
            for m in [&b"dm-verity"[..], b"veritysetup", b"dm-mod.create="] {
                if memchr::memmem::find(d, m).is_some() {
                    verity.push(format!("{} ({})", e.path, String::from_utf8_lossy(m)));
                    break;
                }
            }
            if (d.starts_with(b"\x7fELF") || e.file_name().contains("u-boot"))
                && memchr::memmem::find(d, b"key-name-hint").is_some()
                && memchr::memmem::find(d, b"required").is_some()
            {
                uboot_sig.push(e.path.clone());
            }
        }
        verity.truncate(20);
        out.summaries.push((
            "boot".into(),
            json!({
                "fit_images": fits,
                "fit_signed": signed,
                "fit_not_judged": not_judged,
                "uimage_kernels": uimages,
                "dm_verity_markers": verity,
                "uboot_fit_signature_support": uboot_sig,
                "not_decidable": "boot ROM verification of the boot loader; whether a FIT key is required by U-Boot when its control DTB is not in the image",
            }),
        ));
        out
    }
}
