#![no_main]
// Every analyzer's parsers: the input is placed at the paths analyzers read (passwd, shadow,
// init scripts, inittab, sshd_config, UCI, keys, an ELF path) and all analyzers run.
use libfuzzer_sys::fuzz_target;
use netvet_unpack::{Entry, EntryKind, Meta, Tree};
use std::sync::OnceLock;

static ANALYZERS: OnceLock<(netvet_rules::RuleSet, netvet_analyze::Analyzers)> = OnceLock::new();

const PATHS: &[&str] = &[
    "etc/passwd",
    "etc/shadow",
    "etc/group",
    "etc/inittab",
    "etc/init.d/rcS",
    "etc/inetd.conf",
    "etc/ssh/sshd_config",
    "etc/config/dropbear",
    "etc/config/system",
    "etc/dropbear/dropbear_rsa_host_key",
    "etc/ssl/server.pem",
    "usr/sbin/daemon",
    "etc/systemd/system/x.service",
    "etc/snmp/snmpd.conf",
    "etc/ssl/private/server.key",
    "etc/ssl/certs/ca.der",
    "etc/ssh/ssh_host_ed25519_key",
    "lib/libc.so.0",
    "etc/rc.local",
];

fuzz_target!(|data: &[u8]| {
    let (rules, analyzers) = ANALYZERS.get_or_init(|| {
        let r = netvet_rules::RuleSet::embedded();
        let a = netvet_analyze::Analyzers::new(&r).expect("embedded rules compile");
        (r, a)
    });
    let Some((&sel, rest)) = data.split_first() else { return };
    let path = PATHS[sel as usize % PATHS.len()];
    let entry = Entry {
        path: path.to_string(),
        kind: EntryKind::File,
        meta: Meta { mode: 0o4755, uid: 0, gid: 0, mtime: 0 },
        size: rest.len() as u64,
        data: bytes::Bytes::copy_from_slice(rest),
        link_target: None,
        layer: None,
        root_len: 0,
    };
    let tree = Tree::from_parts(vec![entry], vec![], vec![], vec![]);
    let opts = netvet_analyze::Options {
        crack_budget: std::time::Duration::from_millis(5),
        now: 1_800_000_000,
    };
    let cx = netvet_analyze::Context { tree: &tree, rules, options: &opts };
    let _ = analyzers.run(&cx);
});
