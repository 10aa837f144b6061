//! Credentials analyzer: fixtures written at test time, and the two real router trees.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test stops at the first failed assumption"
)]

mod common;
use common::{run_credentials, tree_of};
use netvet_model::{kinds, Finding, Severity};
use netvet_rules::RuleSet;
use netvet_unpack::{Limits, Tree, Unpacker};
use std::path::Path;
use std::time::{Duration, Instant};

fn find<'a>(fs: &'a [Finding], kind: &str, key_text: &str) -> Option<&'a Finding> {
    fs.iter()
        .find(|f| f.kind == kind && f.evidence.starts_with(key_text))
}

const PASSWD: &str = "root:x:0:0:root:/root:/bin/ash
daemon:*:1:1:daemon:/var:/bin/false
toor:x:0:0:backdoor:/root:/bin/sh
guest:x:1000:1000::/home/guest:/bin/sh
ftp::55:55:ftp:/home/ftp:/bin/false
admin:x:1001:1001::/home/admin:/bin/sh
old:aZGJuE6EXrjEE:1002:1002::/:/bin/sh
web:21232f297a57a5a743894a0e4a801fc3:1003:1003::/:/bin/false
plain:hunter2-secret:1004:1004::/:/bin/sh
locked:x:1005:1005::/:/bin/sh
";

// root: md5-crypt of "admin" (from the Luxul tree's published hash); admin: sha512-crypt of
// "admin" (openssl passwd -6 -salt saltsalt admin); guest: empty; toor: sha256-crypt of
// "admin"; locked: a disabled hash.
const SHADOW: &str = "root:$1$4ce6a0$8327Pr9kC9SH9S4b/oH4M1:16541:0:99999:7:::
daemon:*:0:0:99999:7:::
toor:$5$saltsalt$ajilCybiF3oQBEfeTHO1rkbsmz9HcJplt.gHWXkRfD4:0:0:99999:7:::
guest::0:0:99999:7:::
admin:$6$saltsalt$ZxoUf1bJzACFdk9GZkBGmxXd3Rq8nUoGjgon4GVoI91SlW41Ew2djlh60PmWr4flwags.7ULrKVSSmnCEsIOj1:0:0:99999:7:::
locked:!$1$4ce6a0$8327Pr9kC9SH9S4b/oH4M1:0:0:99999:7:::
";

#[test]
fn fixture_accounts_findings() {
    let (_d, tree) = tree_of(&[
        ("etc/passwd", PASSWD),
        ("etc/shadow", SHADOW),
        ("etc/group", "root:x:0:\nwheel:x:10:root\n"),
        // an ELF called passwd must be ignored
        ("usr/bin/passwd", "\u{7f}ELF\0\0\0binary"),
    ]);
    let (fs, summary) = run_credentials(&tree, Duration::from_secs(20));

    let root = find(&fs, kinds::CREDENTIAL_DEFAULT_PASSWORD, "root:").unwrap();
    assert_eq!(root.severity, Severity::Critical);
    assert_eq!(root.path.as_deref(), Some("etc/shadow"));
    assert!(
        root.evidence
            .starts_with("root: password 'admin' (md5-crypt); candidate 2 of"),
        "{}",
        root.evidence
    );
    assert!(root.evidence.contains("uid 0, shell /bin/ash"));
    let admin = find(&fs, kinds::CREDENTIAL_DEFAULT_PASSWORD, "admin:").unwrap();
    assert!(admin
        .evidence
        .starts_with("admin: password 'admin' (sha512-crypt)"));
    let toor = find(&fs, kinds::CREDENTIAL_DEFAULT_PASSWORD, "toor:").unwrap();
    assert!(toor.evidence.contains("(sha256-crypt)"));
    let old = find(&fs, kinds::CREDENTIAL_DEFAULT_PASSWORD, "old:").unwrap();
    assert!(old.evidence.starts_with("old: password 'test' (des-crypt)"));
    assert_eq!(old.path.as_deref(), Some("etc/passwd"));
    // unsalted md5 of "admin", account with a nologin shell: high, not critical
    let web = find(&fs, kinds::CREDENTIAL_DEFAULT_PASSWORD, "web:").unwrap();
    assert_eq!(web.severity, Severity::High);

    let guest = find(&fs, kinds::CREDENTIAL_EMPTY_PASSWORD, "guest:").unwrap();
    assert_eq!(guest.severity, Severity::High);
    // ftp has an empty field but /bin/false: no finding
    assert!(find(&fs, kinds::CREDENTIAL_EMPTY_PASSWORD, "ftp:").is_none());

    let uid0: Vec<&str> = fs
        .iter()
        .filter(|f| f.kind == kinds::CREDENTIAL_UID0_ACCOUNT)
        .map(|f| f.evidence.as_str())
        .collect();
    assert_eq!(uid0, ["toor: uid 0 (line 3; uid 0, shell /bin/sh)"]);

    let mut weak: Vec<(String, Severity)> = fs
        .iter()
        .filter(|f| f.kind == kinds::CREDENTIAL_WEAK_HASH)
        .map(|f| {
            (
                f.evidence.split(':').next().unwrap().to_string(),
                f.severity,
            )
        })
        .collect();
    weak.sort();
    assert_eq!(
        weak,
        [
            ("old".to_string(), Severity::Medium),
            ("plain".to_string(), Severity::High),
            ("root".to_string(), Severity::Low),
            ("web".to_string(), Severity::Medium),
        ]
    );
    // "hunter2-secret" is not in the dictionary: weak hash, not cracked
    assert!(find(&fs, kinds::CREDENTIAL_DEFAULT_PASSWORD, "plain:").is_none());
    // the locked account is never attacked
    assert!(!fs.iter().any(|f| f.evidence.starts_with("locked:")));
    let accounts = summary["accounts"].as_array().unwrap();
    assert_eq!(accounts.len(), 6, "{summary}");
}

#[test]
fn budget_exhaustion_is_reported() {
    // a sha512-crypt hash of a password in no dictionary, with a tiny budget
    let h = "$6$rounds=200000$abc$nottherealhashvalueatall";
    let (_d, tree) = tree_of(&[
        ("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"),
        ("etc/shadow", &format!("root:{h}:0:0:99999:7:::\n")),
    ]);
    let t = Instant::now();
    let (fs, summary) = run_credentials(&tree, Duration::from_millis(200));
    assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
    assert!(fs.is_empty(), "{fs:?}");
    let acc = &summary["accounts"][0];
    assert_eq!(acc["cracked"], false);
    let status = acc["status"].as_str().unwrap();
    assert!(
        status.starts_with("not cracked: ") && status.contains("budget ran out"),
        "{status}"
    );
    assert!(acc["tried"].as_u64().unwrap() < acc["candidates"].as_u64().unwrap());
}

#[test]
fn hostile_cost_parameters_are_refused() {
    let (_d, tree) = tree_of(&[
        (
            "etc/passwd",
            "root:x:0:0:root:/root:/bin/sh\nu:x:1:1::/:/bin/sh\n",
        ),
        (
            "etc/shadow",
            "root:$6$rounds=999999999$abc$def:0::::::\nu:$y$jJT$abcdefgh$xyz:0::::::\n",
        ),
    ]);
    let t = Instant::now();
    let (_fs, summary) = run_credentials(&tree, Duration::from_secs(3));
    assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
    let statuses: Vec<&str> = summary["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["status"].as_str().unwrap())
        .collect();
    assert!(
        statuses[0].contains("rounds=999999999 exceeds"),
        "{statuses:?}"
    );
    assert!(statuses[1].contains("MiB, over the limit"), "{statuses:?}");
}

#[test]
fn hostname_candidates_crack() {
    // md5-crypt of "k2p123" (openssl passwd -1 -salt abcdefgh k2p123)
    let (_d, tree) = tree_of(&[
        ("etc/passwd", "root:x:0:0:root:/root:/bin/ash\n"),
        (
            "etc/shadow",
            "root:$1$abcdefgh$R8pAizzParcZva9zjtODE/:0::::::\n",
        ),
        (
            "etc/config/system",
            "config system\n\toption hostname 'K2P'\n\toption timezone 'UTC'\n",
        ),
    ]);
    let (fs, _) = run_credentials(&tree, Duration::from_secs(20));
    let f = find(&fs, kinds::CREDENTIAL_DEFAULT_PASSWORD, "root:").unwrap();
    assert!(
        f.evidence.contains("'k2p123'") && f.evidence.contains("host name 'K2P'"),
        "{}",
        f.evidence
    );
}

fn corpus_tree(name: &str) -> Option<Tree> {
    let p = netvet_model::corpus::path(&format!("rootfs/{name}/squashfs-root"))?;
    Some(
        Unpacker::new(Limits::default())
            .unpack_dir(Path::new(&p))
            .unwrap(),
    )
}

#[test]
fn corpus_roots_crack_to_admin() {
    for name in ["luxul-xbr4400", "phicomm-k2p"] {
        let Some(tree) = corpus_tree(name) else {
            return;
        };
        let t = Instant::now();
        let (fs, summary) = run_credentials(&tree, Duration::from_secs(3));
        let took = t.elapsed();
        eprintln!(
            "{name}: credentials analyzer {took:?}, crack {} ms",
            summary["crack_ms"]
        );
        let root = find(&fs, kinds::CREDENTIAL_DEFAULT_PASSWORD, "root:").unwrap();
        assert!(root
            .evidence
            .starts_with("root: password 'admin' (md5-crypt)"));
        assert_eq!(root.severity, Severity::Critical);
        assert_eq!(root.path.as_deref(), Some("etc/shadow"));
        // nothing else at critical or high but, on the Luxul tree, the web interface's
        // default password in its UCI configuration (admin, documented by the publisher)
        let high: Vec<&Finding> = fs
            .iter()
            .filter(|f| f.severity >= Severity::High && f.path.as_deref() != Some("etc/shadow"))
            .collect();
        // the web interfaces' default passwords in their UCI configuration: admin in clear
        // text (Luxul) and admin as base64 `YWRtaW4=` (Phicomm, in luci and system)
        let mut paths: Vec<&str> = high.iter().filter_map(|f| f.path.as_deref()).collect();
        paths.sort();
        let expect: &[&str] = if name == "luxul-xbr4400" {
            &["etc/config/luxul"]
        } else {
            &["etc/config/luci", "etc/config/system"]
        };
        assert_eq!(paths, expect, "{high:#?}");
        for f in &high {
            assert_eq!(f.kind, kinds::CREDENTIAL_DEFAULT_PASSWORD);
            assert!(
                f.evidence.contains(": password 'admin' ("),
                "{}",
                f.evidence
            );
        }
        // the whole analyzer (accounts, stores, scripts, binaries) stays fast
        assert!(took < Duration::from_secs(15), "{took:?}");
    }
}

/// Candidates per second per scheme on this machine (all cores, rayon). Run with
/// `cargo test -p netvet-analyze --test credentials bench_crack_rates -- --ignored --nocapture`;
/// figures are recorded in bench/crack.md.
#[test]
#[ignore]
fn bench_crack_rates() {
    use netvet_analyze::crack::{crack, Job, Scheme};
    let hashes = [
        (Scheme::Des, "aZGJuE6EXrjEE", 3_000_000),
        (Scheme::Md5Unsalted, "21232f297a57a5a743894a0e4a801fc4", 3_000_000),
        (Scheme::Md5Crypt, "$1$4ce6a0$8327Pr9kC9SH9S4b/oH4M1", 80_000),
        (Scheme::Apr1, "$apr1$saltsalt$9c0WR0Se3z5lfIgYnltHf1", 80_000),
        (
            Scheme::Sha256Crypt,
            "$5$saltsalt$ajilCybiF3oQBEfeTHO1rkbsmz9HcJplt.gHWXkRfD4",
            8_000,
        ),
        (
            Scheme::Sha512Crypt,
            "$6$saltsalt$ZxoUf1bJzACFdk9GZkBGmxXd3Rq8nUoGjgon4GVoI91SlW41Ew2djlh60PmWr4flwags.7ULrKVSSmnCEsIOj1",
            6_000,
        ),
        (
            Scheme::Bcrypt,
            "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
            8_000,
        ),
        (
            Scheme::Yescrypt,
            "$y$j9T$abcdefghijklmnop$5MpaJ6mYQgeqLje.dQWuzmjhB.Uwp8kNmSyfdzfZPa5",
            300,
        ),
    ];
    for (scheme, hash, n) in hashes {
        let job = Job {
            scheme,
            hash: hash.into(),
            // the same words bench/crack.sh gives John the Ripper (`seq -f 'n%07.0f'`),
            // distinct within DES crypt's 8 characters
            candidates: (1..=n).map(|i| format!("n{i:07}")).collect(),
        };
        let t = Instant::now();
        let out = crack(&[job], Duration::from_secs(10));
        let s = t.elapsed().as_secs_f64();
        eprintln!(
            "{:>13}: {:>9.0} candidates/s ({} in {:.2} s)",
            scheme.name(),
            out[0].tried as f64 / s,
            out[0].tried,
            s
        );
    }
}

#[test]
fn registered_with_embedded_rules() {
    let a = netvet_analyze::Analyzers::new(&RuleSet::embedded()).unwrap();
    let names = a.names();
    for n in ["credentials", "keys", "secrets"] {
        assert!(names.contains(&n), "{names:?}");
    }
    // a broken dictionary line fails construction, naming the file
    let mut rules = RuleSet::embedded();
    rules.insert("credentials/30-mine.tsv", "only-one-field\n");
    let err = netvet_analyze::Analyzers::new(&rules).err().unwrap();
    assert_eq!(err.file, "credentials/30-mine.tsv");
}
