//! Hard-coded secrets: positives and the usual false positives, on fixtures written at test
//! time, and the two real router trees.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test stops at the first failed assumption"
)]

mod common;
use common::tree_of;
use netvet_analyze::secrets::Secrets;
use netvet_analyze::{Analyzer, Context, Options};
use netvet_model::{kinds, Finding, Severity};
use netvet_rules::RuleSet;
use netvet_unpack::{Limits, Tree, Unpacker};
use std::path::Path;

fn run(tree: &Tree) -> Vec<Finding> {
    let rules = RuleSet::embedded();
    let s = Secrets::new(&rules).unwrap();
    let options = Options::default();
    let mut f = s
        .run(&Context {
            tree,
            rules: &rules,
            options: &options,
        })
        .findings;
    f.sort_by(|a, b| (&a.path, &a.evidence).cmp(&(&b.path, &b.evidence)));
    f
}

fn evidence(fs: &[Finding], path: &str) -> Vec<String> {
    fs.iter()
        .filter(|f| f.path.as_deref() == Some(path))
        .map(|f| f.evidence.clone())
        .collect()
}

// Token-shaped strings assembled at run time so that the source holds no token literal.
fn aws_id() -> String {
    format!("AKIA{}", "Q3EGRT5YJW2NHV7L")
}
fn gcp_key() -> String {
    format!("AIza{}", "SyD4k9Xq2mV7bN1cR8tW3eY6uI0oP5aS2dF")
}
fn github() -> String {
    format!("ghp_{}", "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8")
}

#[test]
fn positives() {
    let mut elf = b"\x7fELF\x02\x01\x01\0\0\0\0\0".to_vec();
    elf.extend_from_slice(format!("\0key\0{}\0", aws_id()).as_bytes());
    elf.extend_from_slice(b"\0password=notreported\0");
    let (_d, tree) = tree_of::<Vec<u8>>(&[
        (
            "etc/config/wireless",
            b"config wifi-iface 'default_radio0'\n\toption ssid 'OpenWrt'\n\
              \toption encryption 'psk2'\n\toption key 'Sup3rSecretWifi'\n"
                .to_vec(),
        ),
        (
            "etc/hostapd.conf",
            b"interface=wlan0\nwpa=2\nwpa_passphrase=factory-wifi-2024\n".to_vec(),
        ),
        (
            "etc/snmp/snmpd.conf",
            b"# default communities\nrocommunity public\nrwcommunity s3cretRW 10.0.0.0/8\n\
              com2sec ro default monitorC0mm\n"
                .to_vec(),
        ),
        (
            "etc/config/snmpd",
            b"config agent\n\toption agentaddress UDP:161\nconfig com2sec public\n\
              \toption source default\n\toption community public\n"
                .to_vec(),
        ),
        (
            "usr/sbin/cloud-sync.sh",
            format!(
                "#!/bin/sh\nAPI_TOKEN=\"{}\"\nADMIN_PASSWORD='Adm1n!2019'\n\
                 curl -u admin:$ADMIN_PASSWORD http://x\n",
                github()
            )
            .into_bytes(),
        ),
        (
            "www/js/maps.js",
            format!("var apiKey = \"{}\";\nvar password = document.getElementById('pw').value;\n", gcp_key()).into_bytes(),
        ),
        (
            "etc/app/settings.json",
            b"{\n  \"mqtt_url\": \"mqtts://device:Rt8#kq2Lm@broker.acme-iot.net:8883\",\n  \"db_password\": \"hunter22\"\n}\n".to_vec(),
        ),
        ("usr/bin/agent", elf),
    ]);
    let fs = run(&tree);
    assert!(fs
        .iter()
        .all(|f| f.kind == kinds::CREDENTIAL_HARDCODED_SECRET));

    assert_eq!(
        evidence(&fs, "etc/config/wireless"),
        ["Wi-Fi pre-shared key 'Sup3rSecretWifi' (key): line 4: option key 'Sup3rSecretWifi'"]
    );
    assert_eq!(
        evidence(&fs, "etc/hostapd.conf"),
        ["Wi-Fi pre-shared key 'factory-wifi-2024' (wpa_passphrase): line 3: wpa_passphrase=factory-wifi-2024"]
    );
    assert_eq!(
        evidence(&fs, "etc/snmp/snmpd.conf"),
        [
            "SNMP community 'monitorC0mm' (community): line 4: com2sec ro default monitorC0mm",
            "SNMP community 'public' (community): line 2: rocommunity public",
            "SNMP community 's3cretRW' (community): line 3: rwcommunity s3cretRW 10.0.0.0/8",
        ]
    );
    assert_eq!(
        evidence(&fs, "etc/config/snmpd"),
        ["SNMP community 'public' (community): line 5: option community public"]
    );
    let script = evidence(&fs, "usr/sbin/cloud-sync.sh");
    assert_eq!(script.len(), 3, "{script:#?}");
    assert!(script.contains(
        &"password 'Adm1n!2019' (ADMIN_PASSWORD): line 3: ADMIN_PASSWORD='Adm1n!2019'".to_string()
    ));
    assert!(script.contains(&format!("GitHub token: line 2: API_TOKEN=\"{}\"", github())));
    assert!(script.contains(&format!(
        "token '{0}' (API_TOKEN): line 2: API_TOKEN=\"{0}\"",
        github()
    )));
    // JS: the Google key is found, the `password` variable is not
    assert_eq!(
        evidence(&fs, "www/js/maps.js"),
        [format!(
            "Google API key: line 1: var apiKey = \"{}\";",
            gcp_key()
        )]
    );
    let json = evidence(&fs, "etc/app/settings.json");
    assert_eq!(json.len(), 2, "{json:#?}");
    assert!(json[0].starts_with("password 'hunter22' (db_password): line 3"));
    assert!(json[1].starts_with("user name and password inside a URL: line 2"));
    // binary: the AWS key, with its offset; not the `password=` guess
    let bin: Vec<&Finding> = fs
        .iter()
        .filter(|f| f.path.as_deref() == Some("usr/bin/agent"))
        .collect();
    assert_eq!(bin.len(), 1);
    assert_eq!(bin[0].severity, Severity::High);
    assert_eq!(bin[0].offset, Some(17));
    assert_eq!(
        bin[0].evidence,
        format!("AWS access key id: at offset 17: {}", aws_id())
    );
}

#[test]
fn negatives() {
    let (_d, tree) = tree_of::<Vec<u8>>(&[
        (
            "www/login.html",
            b"<form><input type=\"password\" name=\"password\" value=\"\">\n\
              <label for=\"password\">Password:</label>\n<script>var password = $('#pw').val();</script>\n"
                .to_vec(),
        ),
        (
            "www/luci-static/app.js",
            b"var password_field = 'password';\nconst passwd = form.passwd.value;\n".to_vec(),
        ),
        (
            "usr/lib/lua/luci/i18n/base.de.lmo",
            b"Password=Passwort\npassword: Kennwort\n".to_vec(),
        ),
        (
            "usr/share/locale/de/LC_MESSAGES/app.po",
            b"msgid \"Password\"\nmsgstr \"Passwort\"\n".to_vec(),
        ),
        (
            "usr/share/man/man5/app.conf.5",
            b".B password=secret123\nSets the password.\n".to_vec(),
        ),
        (
            "etc/init.d/vpn",
            b"#!/bin/sh /etc/rc.common\npassword=\"$1\"\nPASSWORD=\"${PASSWORD:-}\"\n\
              config_get password \"$section\" password\nsecret=$(uci get vpn.secret)\n\
              password_file=/etc/vpn/pw\n"
                .to_vec(),
        ),
        (
            "etc/ssl/openssl.cnf",
            b"# input_password = secret\n# output_password = secret\n\
              challengePassword_min = 4\nchallengePassword_max = 20\n"
                .to_vec(),
        ),
        (
            "etc/login.defs",
            b"PASS_MAX_DAYS\t99999\nPASS_MIN_LEN\t5\nPASS_WARN_AGE\t7\n".to_vec(),
        ),
        (
            "etc/config/luci",
            b"config internal 'themes'\n\toption Bootstrap '/luci-static/bootstrap'\n".to_vec(),
        ),
        (
            "etc/aws.conf",
            b"aws_access_key_id = AKIAIOSFODNN7EXAMPLE\n".to_vec(),
        ),
        (
            "etc/config/wireless",
            b"config wifi-iface\n\toption encryption 'none'\n\toption key ''\n".to_vec(),
        ),
    ]);
    let fs = run(&tree);
    assert!(fs.is_empty(), "{fs:#?}");
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
fn corpus_trees() {
    for name in ["luxul-xbr4400", "phicomm-k2p"] {
        let Some(tree) = corpus_tree(name) else {
            return;
        };
        let t = std::time::Instant::now();
        let fs = run(&tree);
        eprintln!("{name}: secrets in {:?}", t.elapsed());
        for f in &fs {
            eprintln!(
                "{name}: {:?} {:?} {}",
                f.severity,
                f.path.as_deref().unwrap_or(""),
                f.evidence
            );
        }
        let high: Vec<&Finding> = fs.iter().filter(|f| f.severity >= Severity::High).collect();
        assert!(high.is_empty(), "{high:#?}");
        let got: Vec<String> = fs
            .iter()
            .map(|f| format!("{} {}", f.path.as_deref().unwrap_or(""), f.evidence))
            .collect();
        // the web interface passwords both vendors ship in their UCI defaults
        let want: &[&str] = match name {
            "luxul-xbr4400" => &[
                "etc/config/luxul password 'admin' (ui_password): line 10: option ui_password 'admin'",
            ],
            _ => &[
                "etc/config/luci password 'YWRtaW4=' (base64 of 'admin') (password): line 10: option password 'YWRtaW4='",
                "etc/config/system password 'YWRtaW4=' (base64 of 'admin') (password): line 25: option password 'YWRtaW4='",
            ],
        };
        assert_eq!(got, want);
    }
}

/// Parse, do not grep keywords: keys named like passwords whose values are no secret.
#[test]
fn non_secret_values_regression() {
    let (_d, tree) = tree_of::<Vec<u8>>(&[
        // nsswitch.conf maps databases to sources: `passwd: compat` is no password
        (
            "etc/nsswitch.conf",
            b"passwd:         compat\ngroup:          compat\nshadow:         compat files\n\
              hosts:          files dns\n"
                .to_vec(),
        ),
        // placeholders, variable references, empty values, lock markers and paths
        (
            "etc/app.conf",
            b"password=\npassword=*\npassword=x\npassword=changeme\npassword=$ADMIN_PW\n\
              password=${PASS}\npasswd=/etc/app/passwd\npassword='%s'\npassword=<your password>\n\
              password=\"\"\nadmin_password=Real-S3cret\n"
                .to_vec(),
        ),
    ]);
    let fs = run(&tree);
    assert!(evidence(&fs, "etc/nsswitch.conf").is_empty(), "{fs:#?}");
    // only the one literal secret is reported
    let ev = evidence(&fs, "etc/app.conf");
    assert_eq!(ev.len(), 1, "{ev:#?}");
    assert!(
        ev[0].starts_with("password 'Real-S3cret' (admin_password): line 11"),
        "{}",
        ev[0]
    );
}
