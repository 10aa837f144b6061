#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test stops at the first failed assumption"
)]
mod common;
use common::*;
use netvet_analyze::update::Update;
use netvet_model::{kinds, Finding, Severity};
use netvet_unpack::Entry;

fn analyze(entries: Vec<Entry>) -> Vec<Finding> {
    let u = Update::new(&netvet_rules::RuleSet::embedded()).unwrap();
    run(&u, &tree(entries)).findings
}

const FETCH_AND_FLASH: &str = "#!/bin/sh\n# vendor auto-update\nURL=http://update.example.com/fw/router.bin\nwget -q -O /tmp/fw.bin \"$URL\"\nmd5sum /tmp/fw.bin > /tmp/fw.md5\nmtd -r write /tmp/fw.bin firmware\n";

#[test]
fn download_then_mtd_write_without_signature() {
    let f = analyze(vec![file(
        "usr/sbin/auto_fw.sh",
        0o755,
        FETCH_AND_FLASH.as_bytes(),
    )]);
    assert_eq!(f.len(), 1, "{f:#?}");
    let x = &f[0];
    assert_eq!(x.kind, kinds::UPDATE_UNSIGNED);
    assert_eq!(x.severity, Severity::High, "clear-text download");
    assert_eq!(x.path.as_deref(), Some("usr/sbin/auto_fw.sh"));
    let e = &x.evidence;
    assert!(
        e.contains("usr/sbin/auto_fw.sh line 6: `mtd -r write /tmp/fw.bin firmware`"),
        "{e}"
    );
    assert!(
        e.contains("line 4: `wget -q -O /tmp/fw.bin \"$URL\"`"),
        "{e}"
    );
    assert!(
        e.contains(
            "clear text: usr/sbin/auto_fw.sh line 3: `URL=http://update.example.com/fw/router.bin`"
        ),
        "{e}"
    );
    assert!(
        e.contains("only a checksum, not a signature: usr/sbin/auto_fw.sh line 5"),
        "{e}"
    );
}

#[test]
fn signature_check_anywhere_in_the_group_suppresses() {
    for verify in [
        "openssl dgst -sha256 -verify /etc/fw.pub -signature /tmp/fw.sig /tmp/fw.bin || exit 1",
        "usign -V -m /tmp/fw.bin -P /etc/opkg/keys || exit 1",
        "gpgv --keyring /etc/fw.gpg /tmp/fw.bin.asc /tmp/fw.bin || exit 1",
        "[ \"$(sha256sum /tmp/fw.bin | cut -d' ' -f1)\" = \"$(cat /tmp/fw.sha256)\" ] || exit 1",
    ] {
        // the check sits in a library the updater sources
        let lib = format!("check_image() {{\n  {verify}\n}}\n");
        let main = "#!/bin/sh\n. /lib/fwcheck.sh\nwget -O /tmp/fw.bin http://10.0.0.1/fw.bin\ncheck_image\ndd if=/tmp/fw.bin of=/dev/mtdblock3 bs=64k\n";
        let f = analyze(vec![
            file("lib/fwcheck.sh", 0o644, lib.as_bytes()),
            file("sbin/fw_update", 0o755, main.as_bytes()),
        ]);
        assert!(f.is_empty(), "{verify}: {f:#?}");
    }
}

#[test]
fn openwrt_style_upgrade_library_is_one_group() {
    // lib/upgrade/*.sh write, sbin/sysupgrade includes the directory and takes the image
    let common =
        "default_do_upgrade() {\n\tget_image \"$1\" | mtd write - \"${PART_NAME:-image}\"\n}\n";
    let platform = "platform_check_image() {\n\tmd5sum \"$1\"\n}\n";
    let sysupgrade = "#!/bin/sh\n. /lib/functions.sh\ninclude /lib/upgrade\nv \"Performing system upgrade...\"\ndo_upgrade \"$IMAGE\"\n";
    let f = analyze(vec![
        file("lib/upgrade/common.sh", 0o644, common.as_bytes()),
        file("lib/upgrade/platform.sh", 0o644, platform.as_bytes()),
        file("sbin/sysupgrade", 0o755, sysupgrade.as_bytes()),
        file(
            "lib/functions.sh",
            0o644,
            b"include() { for f in $1/*.sh; do . $f; done; }\n",
        ),
    ]);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(
        f[0].severity,
        Severity::Medium,
        "no clear-text download in the group"
    );
    assert_eq!(f[0].path.as_deref(), Some("lib/upgrade/common.sh"));
    let e = &f[0].evidence;
    assert!(e.contains("lib/upgrade/common.sh line 2: `get_image \"$1\" | mtd write - \"${PART_NAME:-image}\"`"), "{e}");
    assert!(
        e.contains("only a checksum, not a signature: lib/upgrade/platform.sh line 2"),
        "{e}"
    );
    assert!(
        e.contains("lib/upgrade/common.sh, lib/upgrade/platform.sh, sbin/sysupgrade"),
        "{e}"
    );

    // the same with a signature check in a sibling (OpenWrt's fwtool.sh): nothing
    let fwtool = "fwtool_check_signature() {\n\tucert -V -m /tmp/sysupgrade.meta -c /tmp/sysupgrade.ucert -P /etc/opkg/keys\n}\n";
    let f = analyze(vec![
        file("lib/upgrade/common.sh", 0o644, common.as_bytes()),
        file("lib/upgrade/fwtool.sh", 0o644, fwtool.as_bytes()),
        file("sbin/sysupgrade", 0o755, sysupgrade.as_bytes()),
    ]);
    assert!(f.is_empty(), "{f:#?}");
}

#[test]
fn flash_writes_that_are_not_updates_are_quiet() {
    let f = analyze(vec![
        // boot counter in the U-Boot environment, no download, no update in the name
        file(
            "etc/init.d/bootcount",
            0o755,
            b"#!/bin/sh\nfw_setenv bootcount 0\n",
        ),
        // a comment is not a command
        file(
            "usr/sbin/upgrade_notes.sh",
            0o755,
            b"#!/bin/sh\n# mtd write is done by the web UI\necho done\n",
        ),
        // not a shell script
        file("etc/upgrade.txt", 0o644, b"mtd write fw.bin firmware\n"),
    ]);
    assert!(f.is_empty(), "{f:#?}");
}

#[test]
fn program_that_downloads_and_flashes_without_crypto() {
    let mut elf = b"\x7fELF\x01\x01\x01\0".to_vec();
    elf.extend_from_slice(&[0u8; 56]);
    elf.extend_from_slice(b"\0Firmware upgrade started\0http://%s/firmware.bin\0/dev/mtd4\0");
    let f = analyze(vec![file("usr/bin/cloud_ota", 0o755, &elf)]);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].severity, Severity::Medium);
    let e = &f[0].evidence;
    assert!(e.contains("'/dev/mtd' at offset 0x"), "{e}");
    assert!(e.contains("'upgrade' at offset 0x4a"), "{e}");
    assert!(e.contains("'http://'"), "{e}");
    // the same program linking a signature check
    let mut signed = elf.clone();
    signed.extend_from_slice(b"\0RSA_verify\0");
    assert!(analyze(vec![file("usr/bin/cloud_ota", 0o755, &signed)]).is_empty());
}

#[test]
fn corpus_openwrt_barrier_breaker_sysupgrade_is_unsigned() {
    // OpenWrt 14.07 sysupgrade predates image signatures (fwtool, 2016): the update path
    // writes with `mtd write` after `platform_check_image` (magic and MD5 only)
    let Some(t) = corpus_tree("rootfs/phicomm-k2p/squashfs-root") else {
        return;
    };
    let u = Update::new(&netvet_rules::RuleSet::embedded()).unwrap();
    let f = run(&u, &t).findings;
    // one finding per group of scripts that call each other; its path is the group's first
    // flash writer, and the evidence names every writer of the group
    let lib: Vec<&Finding> = f
        .iter()
        .filter(|x| x.evidence.contains("lib/upgrade/common.sh line"))
        .collect();
    assert_eq!(lib.len(), 1, "{f:#?}");
    assert!(lib[0].severity <= Severity::High);
    assert!(lib[0].evidence.contains("mtd write"), "{}", lib[0].evidence);
    assert!(
        lib[0].evidence.contains("sbin/sysupgrade"),
        "{}",
        lib[0].evidence
    );
}
