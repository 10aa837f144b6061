//! UPX-packed Linux ELF executables (UPX 3.9x and 4.x, `PackLinuxElf32` / `PackLinuxElf64`):
//! the original ELF becomes a child file, so every analyzer reads the program the device
//! runs, not the decompression stub.
//!
//! ```text
//! 00000000  7f 45 4c 46 01 01 01 03  00 00 00 00 00 00 00 00  |.ELF............|   stub ELF
//! 000000e8  a6 4e 48 1c 55 50 58 21  ac 0a 0e 1e 00 00 00 00  |.NH.UPX!........|   l_info
//! struct l_info {          // right after the stub's program headers
//!     u32 l_checksum;
//!     u32 l_magic = "UPX!";
//!     u16 l_lsize;         // size of the loader stub
//!     u8  l_version;       // 13 = UPX 3.9x, 14 = UPX 4.x
//!     u8  l_format;        // 12 i386, 22 amd64, 23 arm, 30 mipsel, 42 arm64, 133 armeb,
//! };                       // 137 mips, 132 ppc, 140 ppc64, 39 ppc64le
//! struct p_info { u32 p_progid; u32 p_filesize; u32 p_blocksize; };   // original file size
//! struct b_info {          // before every compressed block
//!     u32 sz_unc;          // 0 with sz_cpr = "UPX!": end of the blocks
//!     u32 sz_cpr;          // == sz_unc: the block is stored
//!     u8  b_method;        // 2-4 NRV2B, 5-7 NRV2D, 8-10 NRV2E (LE32, 8-bit, LE16 bit
//!                          // buffer), 14 LZMA, 15 deflate
//!     u8  b_ftid;          // filter applied before compression (0: none)
//!     u8  b_cto8;          // filter parameter
//!     u8  b_unused;
//! };
//! // all u16/u32 in the target's byte order; the blocks, in order: the original ELF header
//! // and program headers, the rest of each PT_LOAD (in program-header order), then - after
//! // the loader stub - the bytes between and after the PT_LOADs (section headers), each
//! // written back at its file offset; a PackHeader ("UPX!" ...) and the u32 overlay offset
//! // close the file.
//! ```
//!
//! Why by hand: no crate on crates.io decodes UPX's container or the NRV2B/2D/2E streams
//! (UCL's algorithms); each NRV decoder is a short bit-reader loop, written here from UCL's
//! public `n2b_d.c` / `n2d_d.c` / `n2e_d.c` with every length and offset checked against the
//! buffers. LZMA (UPX's 2-byte property header, then a raw stream) goes through lzma-rust2,
//! deflate through flate2. The filters (x86 call trick 0x46/0x49, ARM BL 0x50/0x51, AArch64
//! B/BL 0x52) are undone as in UPX's `filter/ctok.h` and `filter/ct.h`.

use bytes::Bytes;
use std::io::Read;

use crate::handler::*;
use crate::tree::Meta;

pub static DOC: FormatDoc = FormatDoc {
    name: "upx",
    category: Category::Compression,
    description: "UPX-packed Linux ELF executable (UPX 3.9x/4.x); the original ELF is restored \
                  in process (NRV2B/2D/2E, LZMA and deflate blocks, call-trick filters) and \
                  becomes a child file.",
    references: &[
        "UPX source: src/p_lx_elf.cpp (PackLinuxElf32::unpack), src/p_unix.cpp \
         (unpackExtent), src/stub/src/include/linux.h (l_info, p_info, b_info)",
        "UCL 1.03: n2b_d.c, n2d_d.c, n2e_d.c (NRV2B/2D/2E decompressors)",
        "UPX source: src/filter/ctok.h, src/filter/ct.h, src/filter/filter_impl.cpp",
        "UPX source: src/compress/compress_lzma.cpp (2-byte LZMA property header)",
    ],
    limitations: "Executables only: packed shared libraries (un_shlib), the pre-2001 8-byte \
                  b_info, PE/Mach-O/vmlinuz formats and filters other than 0x46/0x49/0x50/\
                  0x51/0x52 are reported as unsupported. UPX refuses MIPS dynamic executables \
                  (4.2.4), so only static MIPS builds are tested.",
};

pub struct Upx;

/// Most bytes searched for `l_info` after the ELF header (the stub's headers come first).
const L_INFO_WINDOW: usize = 0x2000;
/// Most bytes scanned past the PT_LOAD blocks for the next block (the loader stub sits there).
const LOADER_WINDOW: usize = 1 << 20;
/// Largest original size accepted (UPX itself refuses files over 1 GiB... the engine's byte
/// budget bounds it further).
const MAX_ORIGINAL: u64 = 512 << 20;
/// Largest expansion of the packed file accepted (NRV/LZMA of real programs stay below 20).
const MAX_RATIO: u64 = 200;

/// Linux ELF formats of `l_info.l_format` (UPX `src/conf.h`, `UPX_F_*`).
fn format_name(f: u8) -> Option<&'static str> {
    Some(match f {
        12 => "linux/i386",
        22 => "linux/amd64",
        23 => "linux/arm",
        30 => "linux/mipsel",
        39 => "linux/ppc64le",
        42 => "linux/arm64",
        132 => "linux/ppc32",
        133 => "linux/armeb",
        137 => "linux/mips",
        140 => "linux/ppc64",
        _ => return None,
    })
}

fn method_name(m: u8) -> &'static str {
    match m {
        2 => "NRV2B_LE32",
        3 => "NRV2B_8",
        4 => "NRV2B_LE16",
        5 => "NRV2D_LE32",
        6 => "NRV2D_8",
        7 => "NRV2D_LE16",
        8 => "NRV2E_LE32",
        9 => "NRV2E_8",
        10 => "NRV2E_LE16",
        14 => "LZMA",
        15 => "deflate",
        16 => "zstd",
        _ => "unknown",
    }
}

/// Byte order of the packed file (and of every UPX header field except the magics).
#[derive(Clone, Copy)]
struct Endian {
    big: bool,
}

impl Endian {
    fn u16(self, d: &[u8], o: usize) -> Option<u16> {
        crate::bytes::u16_at(d, o, self.big)
    }
    fn u32(self, d: &[u8], o: usize) -> Option<u32> {
        crate::bytes::u32_at(d, o, self.big)
    }
    fn u64(self, d: &[u8], o: usize) -> Option<u64> {
        crate::bytes::u64_at(d, o, self.big)
    }
}

/// The UPX headers of a packed ELF at the start of `d`.
#[derive(Debug, Clone, Copy)]
struct Headers {
    is64: bool,
    big: bool,
    machine: u16,
    version: u8,
    format: u8,
    /// Offset of the first `b_info` (right after `p_info`).
    blocks: usize,
    filesize: u32,
    blocksize: u32,
}

fn headers(d: &[u8]) -> Option<Headers> {
    if d.len() < 64 || !d.starts_with(b"\x7fELF") {
        return None;
    }
    let is64 = match d[4] {
        1 => false,
        2 => true,
        _ => return None,
    };
    let big = match d[5] {
        1 => false,
        2 => true,
        _ => return None,
    };
    let e = Endian { big };
    let machine = e.u16(d, 18)?;
    let head = &d[..d.len().min(L_INFO_WINDOW)];
    // the first "UPX!" that is followed by a known Linux ELF format and a sane p_info
    let mut from = 0;
    while let Some(i) = memchr::memmem::find(&head[from..], b"UPX!") {
        let m = from + i;
        from = m + 1;
        if m < 4 {
            continue;
        }
        let version = *d.get(m + 6)?;
        let format = *d.get(m + 7)?;
        if format_name(format).is_none() || !(11..=20).contains(&version) {
            continue;
        }
        let filesize = e.u32(d, m + 12)?;
        let blocksize = e.u32(d, m + 16)?;
        if filesize < 64 || blocksize == 0 || blocksize > filesize.max(0x10000) {
            continue;
        }
        return Some(Headers {
            is64,
            big,
            machine,
            version,
            format,
            blocks: m + 20,
            filesize,
            blocksize,
        });
    }
    None
}

/// Quick test used by the engine's classifier: an ELF file with a UPX `l_info` header.
pub fn is_packed_elf(d: &[u8]) -> bool {
    headers(d).is_some()
}

/// One `b_info` block header.
#[derive(Debug, Clone, Copy)]
struct BInfo {
    sz_unc: u32,
    sz_cpr: u32,
    method: u8,
    ftid: u8,
    cto8: u8,
    /// `b_method` as the third u32 word (0 for a stored block)
    word3: u32,
}

fn b_info(d: &[u8], o: usize, e: Endian) -> Option<BInfo> {
    let w = d.get(o..o.checked_add(12)?)?;
    Some(BInfo {
        sz_unc: e.u32(w, 0)?,
        sz_cpr: e.u32(w, 4)?,
        method: w[8],
        ftid: w[9],
        cto8: w[10],
        word3: e.u32(w, 8)?,
    })
}

/// What went wrong while restoring the original: an unsupported feature (`unpack.unsupported`)
/// or a corrupt file (`unpack.error`).
#[derive(Debug)]
enum Failure {
    Unsupported(String),
    Corrupt(String),
}

fn corrupt<T>(m: impl Into<String>) -> Result<T, Failure> {
    Err(Failure::Corrupt(m.into()))
}

/// The restored original and what was used to restore it.
struct Restored {
    data: Vec<u8>,
    methods: Vec<u8>,
    filters: Vec<u8>,
    /// Offset just past the end-of-blocks marker, when it was found.
    end: Option<usize>,
    /// The bytes after the last PT_LOAD (section headers) were not in the packed file (old
    /// UPX releases and trimmed files): the original ends at its last PT_LOAD and its
    /// section-header fields are cleared.
    tail_missing: bool,
}

/// Restore the original file from a packed ELF (`d` starts at the stub's ELF header).
fn restore(d: &[u8], h: &Headers, max_output: u64) -> Result<Restored, Failure> {
    let e = Endian { big: h.big };
    let filesize = u64::from(h.filesize);
    if filesize > MAX_ORIGINAL
        || filesize > max_output
        || filesize > (d.len() as u64).saturating_mul(MAX_RATIO)
    {
        return Err(Failure::Unsupported(format!(
            "p_info claims an original of {filesize} bytes, more than this packed file of {} \
             bytes may expand to within the limits",
            d.len()
        )));
    }
    let mut r = Restored {
        data: vec![0u8; filesize as usize],
        methods: Vec::new(),
        filters: Vec::new(),
        end: None,
        tail_missing: false,
    };
    let mut scratch = Vec::new();
    // the first block is the original ELF header and program headers
    let first = b_info(d, h.blocks, e).ok_or(Failure::Corrupt("truncated b_info".into()))?;
    decode_block(d, h.blocks, first, h.blocksize, &mut scratch, e)?;
    let hdr = scratch.clone();
    let phdrs = program_headers(&hdr, h)?;
    // data phase: each PT_LOAD from the first block on
    let mut pos = h.blocks;
    let mut hi_done = 0u64;
    for &(off, filesz) in &phdrs {
        pos = unpack_extent(d, pos, off, filesz, h, &mut r, &mut scratch)?;
        hi_done = hi_done.max(off + filesz);
    }
    let prev_method = r.methods.first().copied().unwrap_or(0);
    // gaps between and after the PT_LOADs, behind the loader stub
    for (j, &(off, filesz)) in phdrs.iter().enumerate() {
        let hi = off + filesz;
        let mut lo = filesize;
        for (k, &(o2, _)) in phdrs.iter().enumerate() {
            if k != j && o2 >= hi && o2 < lo {
                lo = o2;
            }
        }
        let size = lo.saturating_sub(hi);
        if size == 0 {
            continue;
        }
        let want = size.min(u64::from(h.blocksize)) as u32;
        match find_gap_block(d, pos, want, prev_method, e) {
            Some(p) => pos = unpack_extent(d, p, hi, size, h, &mut r, &mut scratch)?,
            None if lo == filesize && hi == hi_done => {
                r.tail_missing = true;
                r.data.truncate(hi as usize);
                clear_section_headers(&mut r.data, h);
            }
            None => {
                return corrupt(format!(
                    "no b_info for the {size} bytes after the PT_LOAD at file offset {off:#x}"
                ))
            }
        }
    }
    // end of blocks: sz_unc 0, sz_cpr "UPX!" (always little-endian)
    if let Some(w) = d.get(pos..pos + 8) {
        if e.u32(w, 0) == Some(0) && &w[4..8] == b"UPX!" {
            r.end = Some(pos + 12);
        }
    }
    Ok(r)
}

/// Zero `e_shoff`, `e_shnum` and `e_shstrndx` of the restored header (the section headers
/// were not kept).
fn clear_section_headers(data: &mut [u8], h: &Headers) {
    let fields: &[(usize, usize)] = if h.is64 {
        &[(40, 8), (60, 2), (62, 2)]
    } else {
        &[(32, 4), (48, 2), (50, 2)]
    };
    for &(o, n) in fields {
        if let Some(f) = data.get_mut(o..o + n) {
            f.fill(0);
        }
    }
}

/// PT_LOAD (offset, filesz) of the original, in program-header order.
fn program_headers(hdr: &[u8], h: &Headers) -> Result<Vec<(u64, u64)>, Failure> {
    let e = Endian { big: h.big };
    let ok_ident = hdr.len() >= 52
        && hdr.starts_with(b"\x7fELF")
        && hdr[4] == if h.is64 { 2 } else { 1 }
        && hdr[5] == if h.big { 2 } else { 1 }
        && e.u16(hdr, 18) == Some(h.machine);
    if !ok_ident {
        return corrupt("the first block is not the original ELF header of this machine");
    }
    let (phoff, phentsize, phnum) = if h.is64 {
        (
            e.u64(hdr, 32).unwrap_or(0),
            e.u16(hdr, 54).unwrap_or(0),
            e.u16(hdr, 56).unwrap_or(0),
        )
    } else {
        (
            u64::from(e.u32(hdr, 28).unwrap_or(0)),
            e.u16(hdr, 42).unwrap_or(0),
            e.u16(hdr, 44).unwrap_or(0),
        )
    };
    let want = if h.is64 { 56 } else { 32 };
    if phentsize != want || phoff != if h.is64 { 64 } else { 52 } {
        return corrupt("original program headers not right after the ELF header");
    }
    let mut out = Vec::new();
    for i in 0..usize::from(phnum) {
        let p = phoff as usize + i * usize::from(phentsize);
        let Some(ptype) = e.u32(hdr, p) else {
            return corrupt("original program headers longer than the first block");
        };
        if ptype != 1 {
            continue;
        }
        let (off, filesz) = if h.is64 {
            (e.u64(hdr, p + 8), e.u64(hdr, p + 32))
        } else {
            (
                e.u32(hdr, p + 4).map(u64::from),
                e.u32(hdr, p + 16).map(u64::from),
            )
        };
        let (Some(off), Some(filesz)) = (off, filesz) else {
            return corrupt("truncated program header");
        };
        if off
            .checked_add(filesz)
            .is_none_or(|end| end > u64::from(h.filesize))
        {
            return corrupt(format!(
                "PT_LOAD at {off:#x} + {filesz:#x} runs past the original size {}",
                h.filesize
            ));
        }
        out.push((off, filesz));
    }
    if out.is_empty() {
        return corrupt("original has no PT_LOAD");
    }
    Ok(out)
}

/// Decode blocks from `pos` until `wanted` bytes were written at `at`; returns the offset of
/// the next `b_info`.
fn unpack_extent(
    d: &[u8],
    mut pos: usize,
    mut at: u64,
    mut wanted: u64,
    h: &Headers,
    r: &mut Restored,
    scratch: &mut Vec<u8>,
) -> Result<usize, Failure> {
    let e = Endian { big: h.big };
    while wanted > 0 {
        let Some(b) = b_info(d, pos, e) else {
            return corrupt(format!("truncated b_info at {pos:#x}"));
        };
        if b.sz_unc == 0 || u64::from(b.sz_unc) > wanted {
            return corrupt(format!(
                "b_info at {pos:#x}: {} bytes where {wanted} remain of the extent",
                b.sz_unc
            ));
        }
        decode_block(d, pos, b, h.blocksize, scratch, e)?;
        if b.sz_cpr < b.sz_unc {
            r.methods.push(b.method);
            if b.ftid != 0 {
                r.filters.push(b.ftid);
            }
        }
        let dst = r
            .data
            .get_mut(at as usize..(at + u64::from(b.sz_unc)) as usize)
            .ok_or(Failure::Corrupt("block past the original size".into()))?;
        dst.copy_from_slice(scratch);
        at += u64::from(b.sz_unc);
        wanted -= u64::from(b.sz_unc);
        pos += 12 + b.sz_cpr as usize;
    }
    Ok(pos)
}

/// The first block at or after `pos` (at any byte offset: the stub is not padded the same
/// way by every release) that holds `want` bytes of a gap: a
/// stored block, or one compressed with the method of the other blocks and no filter (the
/// test UPX's own unpacker uses to step over the loader).
fn find_gap_block(d: &[u8], pos: usize, want: u32, method: u8, e: Endian) -> Option<usize> {
    let stop = d.len().min(pos.saturating_add(LOADER_WINDOW));
    let mut p = pos;
    while p + 12 <= stop {
        if let Some(b) = b_info(d, p, e) {
            let stored = b.sz_cpr == b.sz_unc && b.word3 == 0;
            let packed = b.sz_cpr < b.sz_unc && b.method == method && b.ftid == 0 && b.cto8 == 0;
            if b.sz_unc == want
                && b.sz_cpr > 0
                && (stored || packed)
                && p + 12 + b.sz_cpr as usize <= d.len()
            {
                return Some(p);
            }
        }
        p += 1;
    }
    None
}

/// Decode the block whose `b_info` is at `pos` into `out` (exactly `sz_unc` bytes).
fn decode_block(
    d: &[u8],
    pos: usize,
    b: BInfo,
    blocksize: u32,
    out: &mut Vec<u8>,
    e: Endian,
) -> Result<(), Failure> {
    let _ = e;
    if b.sz_cpr == 0 || b.sz_cpr > b.sz_unc || b.sz_unc > blocksize {
        return corrupt(format!(
            "b_info at {pos:#x}: sz_unc {} sz_cpr {} (block size {blocksize})",
            b.sz_unc, b.sz_cpr
        ));
    }
    let src = pos
        .checked_add(12)
        .and_then(|s| d.get(s..s.checked_add(b.sz_cpr as usize)?))
        .ok_or_else(|| Failure::Corrupt(format!("block at {pos:#x} runs past the file")))?;
    out.clear();
    let n = b.sz_unc as usize;
    if b.sz_cpr == b.sz_unc {
        out.extend_from_slice(src);
        return Ok(());
    }
    out.reserve(n);
    let res = match b.method {
        2 => nrv(src, n, out, Nrv::B, 32),
        3 => nrv(src, n, out, Nrv::B, 8),
        4 => nrv(src, n, out, Nrv::B, 16),
        5 => nrv(src, n, out, Nrv::D, 32),
        6 => nrv(src, n, out, Nrv::D, 8),
        7 => nrv(src, n, out, Nrv::D, 16),
        8 => nrv(src, n, out, Nrv::E, 32),
        9 => nrv(src, n, out, Nrv::E, 8),
        10 => nrv(src, n, out, Nrv::E, 16),
        14 => lzma(src, n, out),
        15 => {
            let mut dec = flate2::read::DeflateDecoder::new(src).take(n as u64);
            dec.read_to_end(out).map(|_| ()).map_err(|e| e.to_string())
        }
        m => {
            return Err(Failure::Unsupported(format!(
                "compression method {m} ({}) of the block at {pos:#x}",
                method_name(m)
            )))
        }
    };
    if let Err(why) = res {
        return corrupt(format!(
            "{} block at {pos:#x} does not decode: {why}",
            method_name(b.method)
        ));
    }
    if out.len() != n {
        return corrupt(format!(
            "{} block at {pos:#x} decodes to {} bytes, b_info says {n}",
            method_name(b.method),
            out.len()
        ));
    }
    unfilter(out, b.ftid, b.cto8).map_err(|m| {
        Failure::Unsupported(format!(
            "filter {:#04x} of the block at {pos:#x}: {m}",
            b.ftid
        ))
    })
}

// ---------------------------------------------------------------------------------------
// NRV2B / NRV2D / NRV2E (UCL)

#[derive(Clone, Copy, PartialEq, Eq)]
enum Nrv {
    B,
    D,
    E,
}

/// UCL's bit buffer: `width` bits (8, or a little-endian 16/32-bit word) read most
/// significant bit first, refilled from the same stream the literals come from.
struct Bits<'a> {
    src: &'a [u8],
    pos: usize,
    buf: u32,
    left: u32,
    width: u32,
}

impl Bits<'_> {
    fn bit(&mut self) -> Result<u32, String> {
        if self.left == 0 {
            let w = (self.width / 8) as usize;
            let b = self
                .src
                .get(self.pos..self.pos + w)
                .ok_or("input ends inside the bit stream")?;
            self.buf = b
                .iter()
                .rev()
                .fold(0u32, |acc, &x| (acc << 8) | u32::from(x));
            self.pos += w;
            self.left = self.width;
        }
        self.left -= 1;
        Ok((self.buf >> self.left) & 1)
    }
    fn byte(&mut self) -> Result<u8, String> {
        let b = *self.src.get(self.pos).ok_or("input ends at a literal")?;
        self.pos += 1;
        Ok(b)
    }
}

/// Decode one NRV stream of exactly `n` bytes into `out` (safe variant of UCL's
/// `ucl_nrv2?_decompress_safe_{8,le16,le32}`).
fn nrv(src: &[u8], n: usize, out: &mut Vec<u8>, v: Nrv, width: u32) -> Result<(), String> {
    let mut bb = Bits {
        src,
        pos: 0,
        buf: 0,
        left: 0,
        width,
    };
    let mut last_off: u32 = 1;
    loop {
        while bb.bit()? == 1 {
            if out.len() >= n {
                return Err("literal past the stated size".into());
            }
            out.push(bb.byte()?);
        }
        let mut off: u32 = 1;
        // offset prefix: gamma code (NRV2B), interleaved gamma (NRV2D/E)
        loop {
            off = off * 2 + bb.bit()?;
            if off > 0x0100_0003 {
                return Err("offset overflow".into());
            }
            if v == Nrv::B {
                if bb.bit()? == 1 {
                    break;
                }
            } else {
                if bb.bit()? == 1 {
                    break;
                }
                off = (off - 1) * 2 + bb.bit()?;
            }
        }
        let mut len: u32;
        if off == 2 {
            off = last_off;
            len = if v == Nrv::B { 0 } else { bb.bit()? };
        } else {
            let x = (off - 3)
                .wrapping_mul(256)
                .wrapping_add(u32::from(bb.byte()?));
            if x == u32::MAX {
                break; // end of stream
            }
            if v == Nrv::B {
                off = x + 1;
                len = 0;
            } else {
                len = (x ^ u32::MAX) & 1;
                off = (x >> 1) + 1;
            }
            last_off = off;
        }
        match v {
            Nrv::B | Nrv::D => {
                if v == Nrv::B {
                    len = bb.bit()?;
                }
                len = len * 2 + bb.bit()?;
                if len == 0 {
                    len = gamma(&mut bb, n)? + 2;
                }
                len += u32::from(off > if v == Nrv::B { 0xd00 } else { 0x500 });
            }
            Nrv::E => {
                if len != 0 {
                    len = 1 + bb.bit()?;
                } else if bb.bit()? == 1 {
                    len = 3 + bb.bit()?;
                } else {
                    len = gamma(&mut bb, n)? + 3;
                }
                len += u32::from(off > 0x500);
            }
        }
        let off = off as usize;
        let count = len as usize + 1;
        if off > out.len() {
            return Err(format!(
                "match offset {off} before the start of the output ({} bytes)",
                out.len()
            ));
        }
        if out.len() + count > n {
            return Err("match past the stated size".into());
        }
        let from = out.len() - off;
        for i in 0..count {
            let b = out[from + i];
            out.push(b);
        }
    }
    if out.len() != n {
        return Err(format!("stream ends after {} of {n} bytes", out.len()));
    }
    Ok(())
}

/// `m_len++; do m_len = m_len*2 + getbit; while (!getbit);` bounded by the output size.
fn gamma(bb: &mut Bits, n: usize) -> Result<u32, String> {
    let mut len: u32 = 1;
    loop {
        len = len * 2 + bb.bit()?;
        if len as usize > n + 4 {
            return Err("match length past the stated size".into());
        }
        if bb.bit()? == 1 {
            return Ok(len);
        }
    }
}

/// UPX's LZMA block: byte 0 = `(lc + lp) << 3 | pb`, byte 1 = `lp << 4 | lc`, then a raw
/// LZMA stream of a known size.
fn lzma(src: &[u8], n: usize, out: &mut Vec<u8>) -> Result<(), String> {
    if src.len() < 3 {
        return Err("shorter than the property header".into());
    }
    let pb = src[0] & 7;
    let lp = src[1] >> 4;
    let lc = src[1] & 15;
    if pb >= 5 || lp >= 5 || lc >= 9 || src[0] >> 3 != lc + lp {
        return Err(format!("bad property bytes {:02x} {:02x}", src[0], src[1]));
    }
    let props = (pb * 5 + lp) * 9 + lc;
    let dict = (n as u32).max(4096);
    let mut input = &src[2..];
    let reader = lzma_rust2::LzmaReader::new_with_props(&mut input, n as u64, props, dict, None)
        .map_err(|e| e.to_string())?;
    reader
        .take(n as u64)
        .read_to_end(out)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

// ---------------------------------------------------------------------------------------
// filters

/// Undo the filter `id` (with parameter `cto8`) applied to a block before compression.
fn unfilter(b: &mut [u8], id: u8, cto8: u8) -> Result<(), &'static str> {
    match id {
        0 => Ok(()),
        0x46 | 0x49 => {
            ctok32(b, id, cto8);
            Ok(())
        }
        0x50 => {
            ct24arm(b, false);
            Ok(())
        }
        0x51 => {
            ct24arm(b, true);
            Ok(())
        }
        0x52 => {
            ct26arm64(b);
            Ok(())
        }
        _ => Err("not implemented"),
    }
}

/// x86 call trick (`u_ctok32_e8e9_bswap_le`): the 32-bit displacement of `call`/`jmp` (and of
/// `jcc` for 0x49) was made absolute, big-endian, with `cto8` in its top byte.
fn ctok32(b: &mut [u8], id: u8, cto8: u8) {
    if b.len() < 5 {
        return;
    }
    let size5 = b.len() - 5;
    let cto = u32::from(cto8) << 24;
    let jcc = (id & 0xf) >= 9;
    let mut lastcall = 0usize;
    let mut ic = 0usize;
    while ic < size5 {
        let call = b[ic] == 0xe8 || b[ic] == 0xe9;
        let cond = call
            || (jcc
                && ic != lastcall
                && ic > 0
                && b[ic - 1] == 0x0f
                && (0x80..=0x8f).contains(&b[ic]));
        if cond && b[ic + 1] == cto8 {
            let jc = u32::from_be_bytes([b[ic + 1], b[ic + 2], b[ic + 3], b[ic + 4]]);
            let v = jc.wrapping_sub(ic as u32 + 1).wrapping_sub(cto);
            b[ic + 1..ic + 5].copy_from_slice(&v.to_le_bytes());
            ic += 4;
            lastcall = ic + 1;
        }
        ic += 1;
    }
}

/// ARM BL call trick (`u_ct24arm_le` / `_be`): the 24-bit word offset of every BL was made
/// absolute by adding the instruction's word index.
fn ct24arm(b: &mut [u8], big: bool) {
    let mut a = 0usize;
    while a + 4 <= b.len() {
        let w = &mut b[a..a + 4];
        let is_bl = if big {
            w[0] & 0x0f == 0x0b
        } else {
            w[3] & 0x0f == 0x0b
        };
        if is_bl {
            let sub = (a / 4) as u32;
            if big {
                let v = u32::from_be_bytes([0, w[1], w[2], w[3]]).wrapping_sub(sub) & 0xff_ffff;
                w[1..4].copy_from_slice(&v.to_be_bytes()[1..]);
            } else {
                let v = u32::from_le_bytes([w[0], w[1], w[2], 0]).wrapping_sub(sub) & 0xff_ffff;
                w[0..3].copy_from_slice(&v.to_le_bytes()[..3]);
            }
        }
        a += 4;
        if a + 4 >= b.len() {
            break;
        }
    }
}

/// AArch64 B/BL call trick (`u_ct26arm_le`): the 26-bit word offset made absolute.
fn ct26arm64(b: &mut [u8]) {
    let mut a = 0usize;
    while a + 4 <= b.len() {
        let w = &mut b[a..a + 4];
        if w[3] & 0x7c == 0x14 {
            let v = u32::from_le_bytes([w[0], w[1], w[2], w[3]]);
            let off = (v & 0x03ff_ffff).wrapping_sub((a / 4) as u32) & 0x03ff_ffff;
            w.copy_from_slice(&((v & !0x03ff_ffff) | off).to_le_bytes());
        }
        a += 4;
        if a + 4 >= b.len() {
            break;
        }
    }
}

// ---------------------------------------------------------------------------------------

impl Upx {
    fn variant(h: &Headers, r: Option<&Restored>) -> String {
        let mut v = format!(
            "UPX l_info version {} {}",
            h.version,
            format_name(h.format).unwrap_or("?")
        );
        if let Some(r) = r {
            let mut m: Vec<&str> = r.methods.iter().map(|&m| method_name(m)).collect();
            m.sort_unstable();
            m.dedup();
            v.push(' ');
            v.push_str(&m.join("+"));
            let mut f = r.filters.clone();
            f.sort_unstable();
            f.dedup();
            for x in f {
                v.push_str(&format!(" filter {x:#04x}"));
            }
            if r.tail_missing {
                v.push_str(" (no section headers: not kept in the packed file)");
            }
            if r.end.is_none() {
                v.push_str(" (no end-of-blocks marker: trailer removed)");
            }
        }
        v
    }
}

impl Handler for Upx {
    fn doc(&self) -> &'static FormatDoc {
        &DOC
    }

    fn magics(&self) -> &'static [Magic] {
        static M: [Magic; 1] = [Magic::at0(b"\x7fELF")];
        &M
    }

    fn identify(&self, data: &[u8], start: usize, probe: &Probe) -> Option<Chunk> {
        let d = data.get(start..)?;
        let h = headers(d)?;
        match restore(d, &h, probe.max_output) {
            Ok(r) => {
                // a packed file inside a larger blob ends after its PackHeader (32 bytes)
                // and overlay offset (4)
                let end = match (start, r.end) {
                    (0, _) | (_, None) => data.len(),
                    (_, Some(e)) => (start + e + 36).min(data.len()),
                };
                let variant = Self::variant(&h, Some(&r));
                Some(Chunk {
                    start,
                    end,
                    decoded: Some(Bytes::from(r.data)),
                    truncated: false,
                    variant,
                    checks: Vec::new(),
                })
            }
            // extract reports why (only a file that starts with the headers is claimed)
            Err(_) if start == 0 => Some(Chunk {
                variant: Self::variant(&h, None),
                ..Chunk::new(0, data.len())
            }),
            Err(_) => None,
        }
    }

    fn extract(&self, data: &Bytes, chunk: &Chunk, out: &mut Sink) -> FormatResult<()> {
        let name = match out.blob_name() {
            "" => "unpacked".to_string(),
            n => n.to_string(),
        };
        if let Some(d) = &chunk.decoded {
            return out.file(&name, Meta::mode(0o755), d.clone());
        }
        let h = headers(data).ok_or_else(|| FormatError::Invalid("no UPX l_info".into()))?;
        match restore(data, &h, out.budget()) {
            Ok(r) => out.file(&name, Meta::mode(0o755), r.data),
            Err(Failure::Unsupported(why)) => {
                out.unsupported(0, data.len() as u64, format!("UPX: {why}"));
                Ok(())
            }
            Err(Failure::Corrupt(why)) => Err(FormatError::Invalid(format!(
                "UPX-packed ELF ({}): {why}",
                format_name(h.format).unwrap_or("?")
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reference NRV2B_8 encoder of literals only, to test the bit reader and end marker.
    fn nrv2b8_literals(data: &[u8]) -> Vec<u8> {
        // bits: 1 per literal, then end: 0 (match), offset gamma for 0x1000002 -> use the
        // marker UCL writes: m_off prefix 0x1000002 (24 bits) and byte 0xff
        let mut bits: Vec<u32> = Vec::new();
        let mut bytes_after: Vec<Vec<u8>> = Vec::new();
        let mut out = Vec::new();
        // build as a sequence of (bit or byte) events, then pack 8 bits per flag byte
        #[derive(Clone)]
        enum Ev {
            Bit(u32),
            Byte(u8),
        }
        let mut ev = Vec::new();
        for &b in data {
            ev.push(Ev::Bit(1));
            ev.push(Ev::Byte(b));
        }
        ev.push(Ev::Bit(0));
        // gamma of 0x1000002: m_off = 1; repeat { m_off = 2*m_off + bit; stop bit }
        let v: u32 = 0x0100_0002;
        let nbits = 32 - v.leading_zeros();
        for i in (0..nbits - 1).rev() {
            ev.push(Ev::Bit((v >> i) & 1));
            ev.push(Ev::Bit(u32::from(i == 0)));
        }
        ev.push(Ev::Byte(0xff));
        let _ = (&mut bits, &mut bytes_after);
        // pack: a flag byte is reserved when the first bit of a group is written
        let mut flag_pos = usize::MAX;
        let mut nb = 8;
        for e in ev {
            match e {
                Ev::Bit(b) => {
                    if nb == 8 {
                        flag_pos = out.len();
                        out.push(0);
                        nb = 0;
                    }
                    out[flag_pos] |= (b as u8) << (7 - nb);
                    nb += 1;
                }
                Ev::Byte(x) => out.push(x),
            }
        }
        out
    }

    #[test]
    fn nrv2b_8_literals_and_end_marker() {
        let body = b"netvet upx".to_vec();
        let enc = nrv2b8_literals(&body);
        let mut out = Vec::new();
        nrv(&enc, body.len(), &mut out, Nrv::B, 8).unwrap();
        assert_eq!(out, body);
        // one byte short: the stream must fail, not panic
        let mut out = Vec::new();
        assert!(nrv(&enc[..enc.len() - 1], body.len(), &mut out, Nrv::B, 8).is_err());
    }

    #[test]
    fn nrv_never_panics_on_noise() {
        let mut x: u32 = 0x1234_5678;
        for len in [0usize, 1, 3, 17, 255, 4096] {
            let noise: Vec<u8> = (0..len)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 17;
                    x ^= x << 5;
                    x as u8
                })
                .collect();
            for v in [Nrv::B, Nrv::D, Nrv::E] {
                for w in [8, 16, 32] {
                    let mut out = Vec::new();
                    let _ = nrv(&noise, 10_000, &mut out, v, w);
                    assert!(out.len() <= 10_000);
                }
            }
        }
    }

    #[test]
    fn arm_filters_round_trip_on_bl() {
        // BL at word 3 (offset 12) with absolute target 0x000010 -> relative 0x10 - 3
        let mut b = vec![0u8; 24];
        b[12..16].copy_from_slice(&[0x10, 0, 0, 0xeb]);
        ct24arm(&mut b, false);
        assert_eq!(&b[12..16], &[0x0d, 0, 0, 0xeb]);
        let mut c = vec![0u8; 24];
        c[8..12].copy_from_slice(&[0x10, 0, 0, 0x94]); // AArch64 BL, word 2
        ct26arm64(&mut c);
        assert_eq!(&c[8..12], &[0x0e, 0, 0, 0x94]);
    }

    #[test]
    fn x86_call_trick() {
        // call at 0: stored absolute big-endian target 0x00000105 with cto8 0 -> rel 0x100
        let mut b = vec![0xe8, 0x00, 0x00, 0x01, 0x05, 0x90, 0x90, 0x90];
        ctok32(&mut b, 0x46, 0);
        assert_eq!(&b[..5], &[0xe8, 0x04, 0x01, 0x00, 0x00]);
    }
}
