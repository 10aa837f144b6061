//! The scan engine: built once, reused across scans (also from several threads at once),
//! spilling into its own private directory, judging with the policy it was built with.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test stops at the first failed assumption"
)]

use netvet_model::VerdictResult;
use netvet_scan::{ScanError, Scanner};
use netvet_testkit::{Comp, SquashOpts};
use netvet_unpack::Limits;
use std::path::Path;
use std::sync::Arc;

fn quiet_vulndb() {
    // the embedded dataset alone: a database imported on this machine never changes results
    std::env::set_var(netvet_vulndb::VULNDB_ENV, "none");
}

/// A small root file system with a telnet server started at boot and a root account
/// without a password.
fn rootfs(dir: &Path) -> std::path::PathBuf {
    let root = dir.join("rootfs");
    netvet_testkit::write_file(
        &root,
        "etc/inittab",
        b"::sysinit:/etc/init.d/rcS\n::respawn:/usr/sbin/telnetd -l /bin/sh\n",
    );
    netvet_testkit::write_file(&root, "etc/passwd", b"root::0:0:root:/root:/bin/sh\n");
    netvet_testkit::write_file(&root, "usr/sbin/telnetd", b"#!/bin/sh\n");
    root
}

/// A squashfs image of many small files and one large one (gzip), for the spill tests.
fn squashfs_image(dir: &Path) -> std::path::PathBuf {
    let src = dir.join("src");
    for i in 0..64 {
        let data: Vec<u8> = (0..8192).map(|j| ((i * 31 + j * 7) % 251) as u8).collect();
        netvet_testkit::write_file(&src, &format!("d/f{i:03}"), &data);
    }
    let big: Vec<u8> = (0..(1usize << 20)).map(|j| (j % 249) as u8).collect();
    netvet_testkit::write_file(&src, "big.bin", &big);
    let img = netvet_testkit::pack_squashfs(&src, &SquashOpts::new(Comp::Gzip, 128 << 10, 0))
        .expect("squashfs fixture");
    let p = dir.join("fw.squashfs");
    std::fs::write(&p, img).unwrap();
    p
}

fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn one_scanner_two_scans_share_the_compiled_rules_and_agree() {
    quiet_vulndb();
    let d = tempfile::tempdir().unwrap();
    let root = rootfs(d.path());
    let scanner = Scanner::builder().build().unwrap();
    let compiled = Arc::clone(scanner.analyzers());
    let first = scanner.scan(&root).unwrap();
    let second = scanner.scan(&root).unwrap();
    // the analyzers (YARA rules included) compiled at build are the ones both scans ran:
    // no scan compiled its own (the scanner and this test hold the only references)
    assert!(Arc::ptr_eq(&compiled, scanner.analyzers()));
    assert_eq!(Arc::strong_count(&compiled), 2);
    let kinds = |o: &netvet_scan::ScanOutcome| -> Vec<String> {
        o.report.findings.iter().map(|f| f.kind.clone()).collect()
    };
    assert_eq!(kinds(&first), kinds(&second));
    assert!(
        kinds(&first).iter().any(|k| k == "service.insecure"),
        "{:?}",
        kinds(&first)
    );
    assert_eq!(first.report.image.sha256, second.report.image.sha256);
    // every scan is judged with the policy read once at build
    assert_eq!(first.report.verdict_result(), Some(VerdictResult::Fail));
    assert_eq!(
        first.judgement.verdict,
        *first.report.verdict.as_ref().unwrap()
    );
    assert_eq!(
        first.report.verdict.as_ref().unwrap().policy,
        scanner.policy().name
    );
    // the stages are timed
    for stage in ["sbom", "vulndb", "certify", "analyzer:services"] {
        assert!(
            first.report.timing_ms.stages.contains_key(stage),
            "{stage}: {:?}",
            first.report.timing_ms.stages
        );
    }
    // no sandbox was asked for
    assert_eq!(first.report.unpack.sandbox, None);
}

#[test]
fn scans_from_two_threads_at_once_use_one_scanner() {
    quiet_vulndb();
    let d = tempfile::tempdir().unwrap();
    let root = rootfs(d.path());
    let scanner = Scanner::builder().build().unwrap();
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| scanner.scan(&root).unwrap().report);
        let b = s.spawn(|| scanner.scan(&root).unwrap().report);
        (a.join().unwrap(), b.join().unwrap())
    });
    assert_eq!(a.findings.len(), b.findings.len());
    assert_eq!(a.verdict, b.verdict);
}

#[test]
fn spill_files_go_to_the_scanners_private_directory_and_leave_with_the_tree() {
    quiet_vulndb();
    let d = tempfile::tempdir().unwrap();
    let image = squashfs_image(d.path());
    let parent = d.path().join("spill");
    std::fs::create_dir(&parent).unwrap();
    let scanner = Scanner::builder()
        .limits(Limits {
            memory_budget: 64 << 10,
            ..Limits::default()
        })
        .spill_parent(Some(parent.clone()))
        .build()
        .unwrap();
    // the private directory is made inside the given parent
    assert_eq!(scanner.spill_dir().parent(), Some(parent.as_path()));
    assert!(entries(scanner.spill_dir()).is_empty());
    let outcome = scanner.scan(&image).unwrap();
    assert!(outcome.tree.errors.is_empty(), "{:?}", outcome.tree.errors);
    assert_eq!(
        outcome
            .tree
            .files()
            .filter(|e| e.path.contains("/d/f"))
            .count(),
        64
    );
    // past the 64 KiB budget the contents were spilled into one directory of this scan
    let spilled = entries(scanner.spill_dir());
    assert_eq!(spilled.len(), 1, "{spilled:?}");
    assert!(spilled[0].starts_with("netvet-spill-"), "{spilled:?}");
    assert!(!entries(&scanner.spill_dir().join(&spilled[0])).is_empty());
    drop(outcome);
    assert!(entries(scanner.spill_dir()).is_empty());
    let private = scanner.spill_dir().to_path_buf();
    drop(scanner);
    assert!(!private.exists());
}

#[test]
fn the_policy_is_checked_at_build_and_inputs_are_named() {
    quiet_vulndb();
    let d = tempfile::tempdir().unwrap();
    let bad = d.path().join("bad.toml");
    std::fs::write(&bad, "name = \"x\"\n[thresholds]\nfail = \"urgent\"\n").unwrap();
    let e = match Scanner::builder().policy(Some(bad)).build() {
        Err(e) => e,
        Ok(_) => panic!("a bad policy must fail the build"),
    };
    assert!(matches!(e, ScanError::Certify(_)));
    assert!(
        e.to_string().contains("bad.toml:3:8: unknown severity"),
        "{e}"
    );

    let scanner = Scanner::builder().build().unwrap();
    let missing = d.path().join("missing.bin");
    let e = scanner.scan(&missing).err().unwrap();
    assert_eq!(
        e.to_string(),
        format!("{}: no such file or directory", missing.display())
    );
}

#[test]
fn equiv_and_diff_are_typed() {
    quiet_vulndb();
    let d = tempfile::tempdir().unwrap();
    let old = rootfs(d.path());
    let new = d.path().join("new");
    netvet_testkit::write_file(&new, "etc/inittab", b"::sysinit:/etc/init.d/rcS\n");
    netvet_testkit::write_file(&new, "etc/passwd", b"root:x:0:0:root:/root:/bin/sh\n");
    let scanner = Scanner::builder().build().unwrap();
    let same = scanner.equiv(&old, &old).unwrap();
    assert_eq!(same.verdict, netvet_equiv::Verdict::Identical);
    assert_eq!(same.a.sha256, same.b.sha256);
    let other = scanner.equiv(&old, &new).unwrap();
    assert_eq!(other.verdict, netvet_equiv::Verdict::Different);
    let diff = scanner.diff(&old, &new).unwrap();
    // the telnet server and the empty root password are gone in the new release
    assert!(diff.findings.added.is_empty(), "{:?}", diff.findings.added);
    assert!(
        diff.findings
            .removed
            .iter()
            .any(|f| f.kind == "service.insecure"),
        "{:?}",
        diff.findings.removed
    );
    assert_eq!(diff.max_new_severity(), None);
}

/// The behaviour profiles computed while the image unpacks (the unpacker's file hook) are
/// the ones the analyzer uses, and the findings are those of profiling after unpacking.
#[test]
fn profiles_computed_while_unpacking_give_the_same_findings() {
    quiet_vulndb();
    let implants = Path::new(env!("CARGO_MANIFEST_DIR")).join("../analyze/tests/implants/bin");
    let d = tempfile::tempdir().unwrap();
    let src = d.path().join("src");
    for (name, to) in [
        ("bindshell-mips-static", "usr/sbin/mipsd"),
        ("connectback-x86_64-dynamic", "usr/bin/updater"),
        ("hookrunner-arm-dynamic", "usr/bin/hookrunner"),
    ] {
        let data = std::fs::read(implants.join(name)).unwrap();
        netvet_testkit::write_file(&src, to, &data);
    }
    netvet_testkit::write_file(&src, "etc/banner", b"welcome\n");
    // a listed default pair side by side next to a login prompt
    let mut elf = b"\x7fELF\x01\x01\x01\0".to_vec();
    elf.extend_from_slice(&[0u8; 64]);
    elf.extend_from_slice(b"Password:\0\0\0\0admin\0\0\0admin1234\0other\0");
    netvet_testkit::write_file(&src, "usr/bin/cli", &elf);
    let img = netvet_testkit::pack_squashfs(&src, &SquashOpts::new(Comp::Xz, 128 << 10, 0))
        .expect("squashfs fixture");
    let p = d.path().join("fw.squashfs");
    std::fs::write(&p, img).unwrap();

    // the hook profiles the three programs, not the text file
    let scanner = Scanner::builder().build().unwrap();
    let unpacker = scanner.unpacker();
    let work = netvet_analyze::prework::Prework::new(std::sync::Arc::clone(scanner.analyzers()));
    unpacker.set_file_hook(Some(work.hook()));
    let tree = unpacker.unpack_path(&p).unwrap();
    unpacker.set_file_hook(None);
    work.finish();
    // behaviour and credentials, for each of the four ELF files
    assert_eq!(work.len(), 8);
    let options = netvet_analyze::Options::default();
    let cx = netvet_analyze::Context {
        tree: &tree,
        rules: scanner.rules(),
        options: &options,
    };
    let (early, _) = scanner.analyzers().run_timed_with(&cx, Some(&work));
    // all three were taken by the analyzer
    assert_eq!(work.len(), 0);
    let (late, _) = scanner.analyzers().run_timed(&cx);
    let behaviour = |o: &netvet_analyze::Output| -> Vec<(String, String, String)> {
        o.findings
            .iter()
            .filter(|f| {
                f.kind.starts_with("backdoor.")
                    || f.kind.starts_with("indicator.")
                    || f.kind.starts_with("credential.")
            })
            .map(|f| {
                (
                    f.kind.clone(),
                    f.path.clone().unwrap_or_default(),
                    f.evidence.clone(),
                )
            })
            .collect()
    };
    let want = behaviour(&late);
    assert_eq!(behaviour(&early), want);
    assert!(
        want.iter()
            .any(|(k, p, _)| k == "backdoor.bind-shell" && p.ends_with("usr/sbin/mipsd")),
        "{want:?}"
    );
    assert!(
        want.iter()
            .any(|(k, p, _)| k == "backdoor.connect-back" && p.ends_with("usr/bin/updater")),
        "{want:?}"
    );
    assert!(
        want.iter()
            .any(|(k, p, ev)| k == "credential.hardcoded-secret"
                && p.ends_with("usr/bin/cli")
                && ev.contains("password 'admin1234'")),
        "{want:?}"
    );

    // a whole scan (hook on) reports them too
    let report = scanner.scan(&p).unwrap().report;
    let kinds: Vec<&str> = report.findings.iter().map(|f| f.kind.as_str()).collect();
    assert!(kinds.contains(&"backdoor.bind-shell"), "{kinds:?}");
    assert!(kinds.contains(&"backdoor.connect-back"), "{kinds:?}");
}
