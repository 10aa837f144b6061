#!/usr/bin/env python3
"""Generates rules/libsigs/libc.sigs: byte signatures of C library entry points (system,
popen, the exec family, socket, connect, accept, bind, listen, dup2, ...) taken from static C
libraries, so that the behaviour analyzer can name these functions in stripped statically
linked executables (crates/analyze/src/libsigs.rs).

A signature is the first bytes of the function as the archive member holds it, with every
byte a relocation may change masked (FLIRT-like): on MIPS, ARM and AArch64 the whole
instruction word a relocation touches (the linker may also rewrite the instruction: MIPS
`jalr` into `bal`, AArch64 GOT loads into `add`); on x86 the relocated field and, for GOT
and TLS relocations the linker may relax (`mov foo@GOTPCREL(%rip)` into `lea`), the three
bytes before it. A signature is made longer until no other place in any code section of the
same archive matches it, and dropped when the whole function is not unique. Functions whose
bytes differ only in the function they call (execl calls execve, execlp execvpe) get a
referenced name (`ref=OFFSET:NAME`, as FLIRT does): the direct call or tail call at OFFSET
must reach the entry recognised as NAME.

Regenerate (Debian 12, as root):
    apt-get install libc6-dev-mips-cross libc6-dev-mipsel-cross libc6-dev-armel-cross \
        libc6-dev-arm64-cross libc6-dev-i386-cross libc6-dev musl-dev
    pip install pyelftools
    python3 scripts/gen-libsigs.py > rules/libsigs/libc.sigs
"""

import re
import subprocess
import sys

from elftools.elf.elffile import ELFFile
from elftools.elf.relocation import RelocationSection
import io

# (arch key the analyzer uses, library, Debian package that ships it)
ARCHIVES = [
    ("mips", "glibc", "/usr/mips-linux-gnu/lib/libc.a", "libc6-dev-mips-cross"),
    ("mipsel", "glibc", "/usr/mipsel-linux-gnu/lib/libc.a", "libc6-dev-mipsel-cross"),
    ("arm", "glibc", "/usr/arm-linux-gnueabi/lib/libc.a", "libc6-dev-armel-cross"),
    ("aarch64", "glibc", "/usr/aarch64-linux-gnu/lib/libc.a", "libc6-dev-arm64-cross"),
    ("x86_64", "glibc", "/usr/lib/x86_64-linux-gnu/libc.a", "libc6-dev"),
    ("i386", "glibc", "/usr/i686-linux-gnu/lib/libc.a", "libc6-dev-i386-cross"),
    ("x86_64", "musl", "/usr/lib/x86_64-linux-musl/libc.a", "musl-dev"),
]

# the entry points the analyzer's tracker follows (names as the programs call them)
TARGETS = {
    "system", "popen", "execl", "execle", "execlp", "execv", "execve", "execvp",
    "execvpe", "socket", "connect", "accept", "accept4", "bind", "listen", "dup2", "dup3",
}

# x86 relocation types whose instruction the linker may rewrite (GOT and TLS access)
X86_64_RELAXED = {3, 9, 19, 20, 22, 41, 42, 26, 27, 34}
I386_RELAXED = {3, 9, 10, 14, 15, 16, 18, 19, 39, 43}

# relocation types of a direct call or tail call, per architecture, and where the branch is
# relative to the relocation: x86 the rel32 field, the others the instruction word
BRANCH_RELOCS = {
    "x86_64": {2, 4},  # R_X86_64_PC32, R_X86_64_PLT32
    "i386": {2, 4},  # R_386_PC32, R_386_PLT32
    "arm": {1, 28, 29},  # R_ARM_PC24, R_ARM_CALL, R_ARM_JUMP24
    "aarch64": {282, 283},  # R_AARCH64_JUMP26, R_AARCH64_CALL26
    "mips": {37},  # R_MIPS_JALR (the linker makes the jalr a bal)
    "mipsel": {37},
}


def canonical(name):
    """`__execve`, `__libc_system`, `__GI___dup2` -> the public name."""
    for p in ("__GI_", "__libc_"):
        if name.startswith(p):
            name = name[len(p):]
    return name.lstrip("_")


MIN_LEN = 24
# shortest signature kept
MIN_TOTAL = 16
MAX_LEN = 256
# a fixed run of at least this many bytes (the prefilter's anchor)
MIN_ANCHOR = 8


def package_version(pkg):
    try:
        out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", pkg], capture_output=True,
                             text=True, check=True)
        return out.stdout
    except (OSError, subprocess.CalledProcessError):
        return "?"


def members(path):
    """(name, bytes) of each ELF member of an ar archive."""
    data = open(path, "rb").read()
    if not data.startswith(b"!<arch>\n"):
        raise SystemExit(f"{path}: not an ar archive")
    pos = 8
    names = b""
    while pos + 60 <= len(data):
        hdr = data[pos:pos + 60]
        name = hdr[:16].decode().strip()
        size = int(hdr[48:58].decode().strip())
        body = data[pos + 60:pos + 60 + size]
        if name == "//":
            names = body
        elif name.startswith("/") and name[1:].isdigit() and names:
            off = int(name[1:])
            name = names[off:names.index(b"\n", off)].decode().rstrip("/")
        if body[:4] == b"\x7fELF":
            yield name, body
        pos += 60 + size + (size & 1)


def masked_section(elf, sec_index, arch):
    """Section bytes and a mask (True = fixed byte)."""
    sec = elf.get_section(sec_index)
    body = sec.data()
    fixed = [True] * len(body)
    for rs in elf.iter_sections():
        if not isinstance(rs, RelocationSection) or rs["sh_info"] != sec_index:
            continue
        for r in rs.iter_relocations():
            off = r["r_offset"]
            typ = r["r_info_type"]
            if arch in ("x86_64", "i386"):
                width = 8 if (arch == "x86_64" and typ in (1, 24, 10 + 14)) else 4
                if arch == "i386" and typ in (20, 21, 22, 23):  # 16/8-bit forms
                    width = 2 if typ in (20, 21) else 1
                lo = off
                relaxed = X86_64_RELAXED if arch == "x86_64" else I386_RELAXED
                if typ in relaxed:
                    lo = max(0, off - 3)
                for i in range(lo, min(len(body), off + width)):
                    fixed[i] = False
            else:
                w = off & ~3
                for i in range(w, min(len(body), w + 4)):
                    fixed[i] = False
    return body, fixed


def reference(elf, symtab, sec_index, start, size, arch, own):
    """The first direct call or tail call in a function to another target function:
    (offset from the entry, name)."""
    best = None
    for rs in elf.iter_sections():
        if not isinstance(rs, RelocationSection) or rs["sh_info"] != sec_index:
            continue
        for r in rs.iter_relocations():
            off = r["r_offset"]
            if not start <= off < start + size or r["r_info_type"] not in BRANCH_RELOCS[arch]:
                continue
            target = canonical(symtab.get_symbol(r["r_info_sym"]).name)
            if target in TARGETS and target != own and (best is None or off - start < best[0]):
                best = (off - start, target)
    return best


def pattern(body, fixed, start, n):
    return bytes(body[start:start + n]), fixed[start:start + n]


def regex(b, m):
    return re.compile(b"".join(re.escape(bytes([x])) if k else b"." for x, k in zip(b, m)),
                      re.DOTALL)


def anchor(m):
    best = (0, 0)
    run = 0
    for i, k in enumerate(m):
        run = run + 1 if k else 0
        if run > best[1]:
            best = (i + 1 - run, run)
    return best


def main():
    out = sys.stdout
    out.write("# Byte signatures of C library entry points, generated by scripts/gen-libsigs.py from\n")
    out.write("# the static C libraries of Debian 12 packages (listed per block below). One line\n")
    out.write("# per signature: ARCH LIBRARY NAME PATTERN, the pattern in hex with `..` for a byte a\n")
    out.write("# relocation may change. Read by crates/analyze/src/libsigs.rs.\n")
    for arch, lib, path, pkg in ARCHIVES:
        try:
            objs = list(members(path))
        except OSError as e:
            print(f"skipping {path}: {e}", file=sys.stderr)
            continue
        out.write(f"# {arch} {lib}: {path} from {pkg} {package_version(pkg)}\n")
        # every code section of the archive (for the uniqueness test) and the targets
        code = []
        pos = 0
        found = {}
        # blob position of each target function's entry -> (name, referenced function)
        at_pos = {}
        for mname, blob in objs:
            elf = ELFFile(io.BytesIO(blob))
            secs = {}
            base = {}
            for i, s in enumerate(elf.iter_sections()):
                if s["sh_type"] == "SHT_PROGBITS" and s["sh_flags"] & 0x4:
                    secs[i] = s
                    base[i] = pos
                    code.append(bytes(s.data()))
                    pos += len(code[-1]) + 1
            symtab = elf.get_section_by_name(".symtab")
            if symtab is None:
                continue
            # where each function's bytes end: the next symbol of its section (a literal
            # pool after the last instruction belongs to the function: ARM wrappers keep
            # their system call number there)
            starts = {}
            for sym in symtab.iter_symbols():
                if sym["st_shndx"] in secs and sym.name and not sym.name.startswith("$"):
                    starts.setdefault(sym["st_shndx"], set()).add(sym["st_value"] & ~1)
            for sym in symtab.iter_symbols():
                if sym.name not in TARGETS or sym["st_info"]["type"] != "STT_FUNC":
                    continue
                if sym["st_shndx"] not in secs or sym.name in found:
                    continue
                body, fixed = masked_section(elf, sym["st_shndx"], arch)
                start = sym["st_value"] & ~1 if arch == "arm" else sym["st_value"]
                later = [v for v in starts.get(sym["st_shndx"], ()) if v > start]
                end = min(later) if later else len(body)
                size = max(end - start, sym["st_size"])
                ref = reference(elf, symtab, sym["st_shndx"], start, size, arch, sym.name)
                at_pos[base[sym["st_shndx"]] + start] = (sym.name, ref)
                found[sym.name] = (body, fixed, start, size, mname, ref, base[sym["st_shndx"]])
        blob_all = b"\x00".join(code)
        for name in sorted(found):
            body, fixed, start, size, mname, ref, sbase = found[name]
            size = min(size, len(body) - start)
            n = min(size, MIN_LEN)
            chosen = None
            use_ref = False
            while True:
                b, m = pattern(body, fixed, start, n)
                if anchor(m)[1] >= MIN_ANCHOR:
                    hits = [h.start() for h in regex(b, m).finditer(blob_all)]
                    if len(hits) == 1:
                        chosen = (b, m)
                        break
                    # FLIRT's referenced name: the other places are entries of target
                    # functions that call another function (execl calls execve, execlp
                    # execvpe, with the same bytes); the call's target tells them apart
                    own = sbase + start
                    if (
                        ref is not None
                        and all(h == own or (h in at_pos and at_pos[h][1] is not None
                                             and at_pos[h][1][1] != ref[1]) for h in hits)
                    ):
                        chosen = (b, m)
                        use_ref = True
                        break
                if n >= min(size, MAX_LEN):
                    break
                n = min(n + 8, size, MAX_LEN)
            if chosen is not None and len(chosen[0]) < MIN_TOTAL:
                # a tail call (`mov r3, #1; b common`) is too short to name a function
                chosen = None
            if chosen is None:
                print(f"{arch} {name} ({mname}): no unique signature", file=sys.stderr)
                continue
            b, m = chosen
            hexs = "".join(f"{x:02x}" if k else ".." for x, k in zip(b, m))
            extra = f" ref={ref[0]}:{ref[1]}" if use_ref else ""
            out.write(f"{arch} {lib} {name} {hexs}{extra}\n")


if __name__ == "__main__":
    main()
