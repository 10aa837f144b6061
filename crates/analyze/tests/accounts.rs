//! Credentials beyond passwd/shadow: web-server password files, configuration stores,
//! script comparisons, vendor-first candidate order and strings of the image as candidates.
//! Fixtures are written at test time; hashes were made with `openssl passwd` (commands next
//! to each) and Python's hashlib.
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
use std::collections::BTreeMap;
use std::time::Duration;

fn on<'a>(fs: &'a [Finding], kind: &str, path: &str) -> Vec<&'a Finding> {
    fs.iter()
        .filter(|f| f.kind == kind && f.path.as_deref() == Some(path))
        .collect()
}

#[test]
fn web_server_password_files() {
    let (_d, tree) = tree_of::<&[u8]>(&[
        // openssl passwd -apr1 -salt netvet12 admin
        (
            "www/admin/.htpasswd",
            b"admin:$apr1$netvet12$zAKbrSDcrGFmy90.hWl/3/\n",
        ),
        // python3: hashlib.md5(b"admin:netvet:admin").hexdigest()
        (
            "etc/lighttpd/digest.users",
            b"admin:netvet:09f56027d957d121a33f3e0f9cf5787f\n",
        ),
        (
            "etc/lighttpd/lighttpd.conf",
            b"server.port = 80\nauth.backend = \"htdigest\"\n\
              auth.backend.htdigest.userfile = \"/etc/lighttpd/digest.users\"\n",
        ),
        // lighttpd plain backend by its conventional name
        ("etc/lighttpd.user", b"operator:1234\n"),
        // Boa keeps user:hash lines in a file named passwd; openssl passwd -1 -salt webs1234 1234
        (
            "etc/boa/passwd",
            b"admin:$1$webs1234$quJ5mvaJbzC.3ehvVkNZU0\n",
        ),
        // base64(sha1(b"password")), htpasswd -s
        (
            "srv/.htpasswd",
            b"guest:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\n",
        ),
    ]);
    let (fs, _) = run_credentials(&tree, Duration::from_secs(20));
    let dp = |p: &str| on(&fs, kinds::CREDENTIAL_DEFAULT_PASSWORD, p);

    let h = dp("www/admin/.htpasswd");
    assert_eq!(h.len(), 1, "{fs:#?}");
    assert_eq!(h[0].severity, Severity::High);
    assert!(
        h[0].evidence
            .starts_with("admin: password 'admin' (apr1-md5); candidate 2 of"),
        "{}",
        h[0].evidence
    );
    assert!(h[0].evidence.ends_with("line 1; web-server password file"));

    let d = dp("etc/lighttpd/digest.users");
    assert_eq!(d.len(), 1, "{fs:#?}");
    assert!(d[0]
        .evidence
        .starts_with("admin: password 'admin' (htdigest-md5)"));

    let p = dp("etc/lighttpd.user");
    assert!(p[0]
        .evidence
        .starts_with("operator: password '1234' (plain-text)"));
    // clear text in a web user file is also a weak storage finding
    let w = on(&fs, kinds::CREDENTIAL_WEAK_HASH, "etc/lighttpd.user");
    assert_eq!(w[0].severity, Severity::High);

    let b = dp("etc/boa/passwd");
    assert!(b[0]
        .evidence
        .starts_with("admin: password '1234' (md5-crypt)"));

    let s = dp("srv/.htpasswd");
    assert!(s[0]
        .evidence
        .starts_with("guest: password 'password' (sha1-unsalted)"));
    assert_eq!(
        on(&fs, kinds::CREDENTIAL_WEAK_HASH, "srv/.htpasswd")[0].severity,
        Severity::Medium
    );
}

#[test]
fn configuration_stores() {
    let (_d, tree) = tree_of::<&[u8]>(&[
        // rpcd: `$p$root` means "the system password of root", not a password
        (
            "etc/config/rpcd",
            b"config login\n\toption username 'root'\n\toption password '$p$root'\n",
        ),
        (
            "etc/config/webui",
            b"config account 'admin'\n\toption username 'admin'\n\toption password 'password'\n\
              \toption password_min_length '8'\n",
        ),
        // Broadcom-style nvram defaults, NUL-separated; the pair is a documented ZyXEL default
        (
            "etc/nvram.default",
            b"lan_ipaddr=192.168.1.1\0http_username=admin\0http_passwd=QwestM0dem\0wl0_ssid=x\0",
        ),
        (
            "etc/users.xml",
            b"<?xml version=\"1.0\"?>\n<users>\n  <user name=\"support\" password=\"Xk29!qq-unlisted\"/>\n\
              <account>\n    <username>admin</username>\n    <password>admin</password>\n  </account>\n</users>\n",
        ),
        (
            "www/config.json",
            b"{\"login\": {\"user\": \"admin\", \"pass\": \"admin1234\"}, \"ui\": {\"lang\": \"en\"}}",
        ),
        (
            "etc/app.ini",
            b"[admin]\nlogin = root\npwd = vizxv\n[log]\nlevel = 3\n",
        ),
    ]);
    let (fs, _) = run_credentials(&tree, Duration::from_secs(20));
    let dp = |p: &str| on(&fs, kinds::CREDENTIAL_DEFAULT_PASSWORD, p);
    assert!(
        fs.iter()
            .all(|f| f.path.as_deref() != Some("etc/config/rpcd")),
        "{fs:#?}"
    );
    let w = dp("etc/config/webui");
    assert_eq!(w.len(), 1, "{fs:#?}");
    assert_eq!(w[0].severity, Severity::High);
    assert!(
        w[0].evidence
            .starts_with("admin: password 'password' (plain-text)")
            && w[0]
                .evidence
                .ends_with("line 3; UCI configuration, key password"),
        "{}",
        w[0].evidence
    );
    let n = dp("etc/nvram.default");
    assert_eq!(n.len(), 1, "{fs:#?}");
    assert!(
        n[0].evidence.starts_with("admin: password 'QwestM0dem'")
            && n[0].evidence.contains("source: mirai-2017-zyxel")
            && n[0]
                .evidence
                .ends_with("key=value configuration, key http_passwd"),
        "{}",
        n[0].evidence
    );
    let x = dp("etc/users.xml");
    assert_eq!(x.len(), 1, "{fs:#?}");
    assert!(x[0].evidence.starts_with("admin: password 'admin'"));
    // a clear-text password of no list in XML (which the secrets analyzer does not read)
    let hs = on(&fs, kinds::CREDENTIAL_HARDCODED_SECRET, "etc/users.xml");
    assert_eq!(hs.len(), 1, "{fs:#?}");
    assert!(
        hs[0]
            .evidence
            .starts_with("support: password 'Xk29!qq-unlisted' in clear text; line 3; XML"),
        "{}",
        hs[0].evidence
    );
    let j = dp("www/config.json");
    assert!(j[0].evidence.starts_with("admin: password 'admin1234'"));
    let i = dp("etc/app.ini");
    assert!(
        i[0].evidence.starts_with("root: password 'vizxv'") && i[0].evidence.contains("line 3"),
        "{}",
        i[0].evidence
    );
    // no weak-hash findings for clear text in configuration (the secrets analyzer's part)
    assert!(on(&fs, kinds::CREDENTIAL_WEAK_HASH, "etc/config/webui").is_empty());
}

#[test]
fn script_comparisons() {
    let (_d, tree) = tree_of::<&[u8]>(&[
        (
            "www/cgi-bin/login.sh",
            b"#!/bin/sh\nread user pass\nif [ \"$user\" = \"debug\" ] && [ \"$pass\" = \"d3bug!\" ]; then\n  exec /bin/sh\nfi\n",
        ),
        (
            "usr/lib/lua/auth.lua",
            b"if password == \"Sup3r-Factory\" then return true end\n",
        ),
        // not comparisons with a literal
        (
            "etc/init.d/x",
            b"#!/bin/sh\n[ \"$pass\" = \"$saved\" ] && echo ok\n[ -z \"$pass\" ] || true\n",
        ),
    ]);
    let (fs, _) = run_credentials(&tree, Duration::from_secs(5));
    let s = on(
        &fs,
        kinds::CREDENTIAL_HARDCODED_SECRET,
        "www/cgi-bin/login.sh",
    );
    assert_eq!(s.len(), 1, "{fs:#?}");
    assert_eq!(s[0].severity, Severity::High);
    assert_eq!(
        s[0].evidence,
        "user 'debug', password 'd3bug!' compared with $pass: line 3"
    );
    let l = on(
        &fs,
        kinds::CREDENTIAL_HARDCODED_SECRET,
        "usr/lib/lua/auth.lua",
    );
    assert_eq!(l.len(), 1, "{fs:#?}");
    assert_eq!(l[0].severity, Severity::Medium);
    assert!(on(&fs, kinds::CREDENTIAL_HARDCODED_SECRET, "etc/init.d/x").is_empty());
}

#[test]
fn vendor_named_by_the_image_goes_first() {
    // sha512-crypt of the documented ZyXEL su password (openssl passwd -6 -salt zy5001ab
    // zyad5001): with the banner naming ZyXEL it is among the first candidates
    let shadow = "root:$6$zy5001ab$RD7qlvHo0DUYlhL5ONfVXKbEEOAG/0OD9xKuOO.hZcGXp2.H1oGEwIt8tqN8OWiX4MCJA.bjYOA4RL3hU9B/o.:0::::::\n";
    let (_d, tree) = tree_of::<&[u8]>(&[
        ("etc/passwd", b"root:x:0:0:root:/root:/bin/sh\n"),
        ("etc/shadow", shadow.as_bytes()),
        ("etc/banner", b"ZyXEL PK5001Z\n"),
    ]);
    let (fs, summary) = run_credentials(&tree, Duration::from_secs(3));
    assert_eq!(summary["vendors"], serde_json::json!(["zyxel"]));
    let f = on(&fs, kinds::CREDENTIAL_DEFAULT_PASSWORD, "etc/shadow");
    assert_eq!(f.len(), 1, "{summary}");
    let ev = &f[0].evidence;
    assert!(
        ev.starts_with("root: password 'zyad5001' (sha512-crypt); candidate 3 of")
            && ev.contains("source: cve-2016-10401"),
        "{ev}"
    );
}

/// ISP router defaults of SecLists' router lists (source `seclists-routers`): in no other list.
#[test]
fn seclists_router_defaults_are_candidates() {
    // openssl passwd -1 -salt rtr12345 Gponinstalador@123 (and VF-IRhg556)
    let (_d, tree) = tree_of::<&[u8]>(&[
        (
            "etc/passwd",
            b"root:x:0:0:root:/root:/bin/sh\nsupport:x:1000:1000::/tmp:/bin/sh\n",
        ),
        (
            "etc/shadow",
            b"root:$1$rtr12345$V1KHDqrGc5HTbZKvmZECq0:0::::::\nsupport:$1$rtr12345$6hydSzI6CZCTn4O.j2CQN/:0::::::\n",
        ),
    ]);
    let (fs, _) = run_credentials(&tree, Duration::from_secs(30));
    let f = on(&fs, kinds::CREDENTIAL_DEFAULT_PASSWORD, "etc/shadow");
    assert_eq!(f.len(), 2, "{fs:#?}");
    let ev: Vec<&str> = f.iter().map(|f| f.evidence.as_str()).collect();
    assert!(
        ev.iter().any(
            |e| e.starts_with("root: password 'Gponinstalador@123' (md5-crypt)")
                && e.contains("source: seclists-routers")
        ),
        "{ev:#?}"
    );
    assert!(
        ev.iter().any(
            |e| e.starts_with("support: password 'VF-IRhg556' (md5-crypt)")
                && e.contains("source: seclists-routers")
        ),
        "{ev:#?}"
    );
}

/// The C-Data OLT telnet backdoor passwords (source `cdata-olt-2020`).
#[test]
fn cdata_olt_backdoor_passwords_are_candidates() {
    // openssl passwd -1 -salt cdata126 root126; openssl passwd -1 -salt cdata124 debug124
    let (_d, tree) = tree_of::<&[u8]>(&[
        (
            "etc/passwd",
            b"root:x:0:0:root:/root:/bin/sh\ndebug:x:0:0::/tmp:/bin/sh\n",
        ),
        (
            "etc/shadow",
            b"root:$1$cdata126$JKDpyx.1NdXcfpu0Lwfuz/:0::::::\ndebug:$1$cdata124$A9SO/AQ72.SU1dWZlFRk41:0::::::\n",
        ),
    ]);
    let (fs, _) = run_credentials(&tree, Duration::from_secs(30));
    let f = on(&fs, kinds::CREDENTIAL_DEFAULT_PASSWORD, "etc/shadow");
    let ev: Vec<&str> = f.iter().map(|f| f.evidence.as_str()).collect();
    assert_eq!(ev.len(), 2, "{fs:#?}");
    for (user, pw) in [("root", "root126"), ("debug", "debug124")] {
        assert!(
            ev.iter().any(
                |e| e.starts_with(&format!("{user}: password '{pw}' (md5-crypt)"))
                    && e.contains("source: cdata-olt-2020")
            ),
            "{ev:#?}"
        );
    }
}

#[test]
fn strings_of_the_image_are_candidates() {
    // openssl passwd -1 -salt imgstr12 Qz7-unique-pw: in no list, but written in a config
    let (_d, tree) = tree_of::<&[u8]>(&[
        ("etc/passwd", b"root:x:0:0:root:/root:/bin/sh\n"),
        (
            "etc/shadow",
            b"root:$1$imgstr12$UKjNKZmK/.KJxyDU880/S0:0::::::\n",
        ),
        (
            "etc/config/system",
            b"config system\n\toption description 'Qz7-unique-pw'\n",
        ),
    ]);
    let (fs, _) = run_credentials(&tree, Duration::from_secs(20));
    let f = on(&fs, kinds::CREDENTIAL_DEFAULT_PASSWORD, "etc/shadow");
    assert_eq!(f.len(), 1, "{fs:#?}");
    assert!(
        f[0].evidence
            .starts_with("root: password 'Qz7-unique-pw' (md5-crypt)")
            && f[0]
                .evidence
                .contains("source: string of the image (etc/config/system)"),
        "{}",
        f[0].evidence
    );
}

#[test]
fn stock_configuration_is_quiet() {
    // what a stock OpenWrt-like image carries: nothing here is a credential
    let (_d, tree) = tree_of::<&[u8]>(&[
        (
            "etc/nsswitch.conf",
            b"passwd: compat\ngroup: compat\nshadow: compat\n",
        ),
        (
            "etc/config/rpcd",
            b"config login\n\toption username 'root'\n\toption password '$p$root'\n",
        ),
        (
            "etc/config/network",
            b"config interface 'wan'\n\toption proto 'pppoe'\n\toption username ''\n\toption password ''\n",
        ),
        (
            "etc/lighttpd/lighttpd.conf",
            b"server.port = 80\nserver.document-root = \"/www\"\n",
        ),
        ("www/luci-static/config.json", b"{\"password\": \"\", \"theme\": \"dark\"}"),
        (
            "etc/init.d/dropbear",
            b"#!/bin/sh\n[ \"${PasswordAuth}\" = \"off\" ] && append args \"-s\"\n",
        ),
    ]);
    let (fs, summary) = run_credentials(&tree, Duration::from_secs(3));
    assert!(fs.is_empty(), "{fs:#?}");
    assert_eq!(summary["accounts"], serde_json::json!([]));
}

/// Entries per source in the embedded dictionary: the table of rules/credentials/README.md
/// must match what the rule files hold.
#[test]
fn dictionary_counts_match_the_readme() {
    let rules = RuleSet::embedded();
    let mut per_source: BTreeMap<String, usize> = BTreeMap::new();
    let mut total = 0usize;
    for (file, bytes) in rules.under("credentials/") {
        if !file.ends_with(".tsv")
            || file.ends_with("sources.tsv")
            || file.ends_with("account-keys.tsv")
        {
            continue;
        }
        for line in String::from_utf8_lossy(bytes).lines() {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            total += 1;
            let src = line.rsplit('\t').next().unwrap();
            for s in src.split(',') {
                *per_source.entry(s.to_string()).or_default() += 1;
            }
        }
    }
    let readme = rules.text("credentials/README.md").expect("README.md");
    let mut table: BTreeMap<String, usize> = BTreeMap::new();
    for line in readme.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        // rows of the per-source table: `id` | lines | from
        if cells.len() >= 4 && cells[1].starts_with('`') {
            if let Ok(n) = cells[2].replace(',', "").parse::<usize>() {
                table.insert(cells[1].trim_matches('`').to_string(), n);
            }
        }
    }
    assert_eq!(table, per_source);
    assert!(
        readme.contains(&format!("{total} dictionary lines")),
        "README must state {total} dictionary lines"
    );
    assert!(total > 3500, "{total}");
    let c = netvet_analyze::credentials::Credentials::new(&rules).unwrap();
    assert!(c.dictionary().entries() > 3000);
}

#[test]
fn login_literals_in_a_binary() {
    // CVE-2020-29583: the zyfwp account's password is a literal of the firmware; a hand-made
    // ELF stub with the two literals after a login prompt, as a compiler lays them out
    let mut elf = b"\x7fELF\x01\x01\x01\0\0\0\0\0\0\0\0\0".to_vec();
    elf.extend_from_slice(b"login: \0Password: \0zyfwp\0PrOw!aN_fXp\0%s: bad login\0");
    // the same pair with no login string near it, in another binary: nothing
    let mut quiet = b"\x7fELF\x01\x01\x01\0\0\0\0\0\0\0\0\0".to_vec();
    quiet.extend_from_slice(b"zyfwp\0PrOw!aN_fXp\0");
    let (_d, tree) = tree_of::<&[u8]>(&[("usr/sbin/zyshd", &elf), ("usr/sbin/other", &quiet)]);
    let (fs, _) = run_credentials(&tree, Duration::from_secs(3));
    let f = on(&fs, kinds::CREDENTIAL_HARDCODED_SECRET, "usr/sbin/zyshd");
    assert_eq!(f.len(), 1, "{fs:#?}");
    assert_eq!(f[0].severity, Severity::Medium);
    assert!(
        f[0].evidence
            .starts_with("user 'zyfwp' and password 'PrOw!aN_fXp' side by side at offset 35"),
        "{}",
        f[0].evidence
    );
    assert!(on(&fs, kinds::CREDENTIAL_HARDCODED_SECRET, "usr/sbin/other").is_empty());
}
