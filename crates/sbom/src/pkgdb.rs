//! Package databases: opkg (`usr/lib/opkg/status`, `*.control`) and dpkg
//! (`var/lib/dpkg/status`), RFC 822-style stanzas separated by blank lines; apk
//! (`lib/apk/db/installed`), stanzas of one-letter fields (`P:musl`, `V:1.2.4-r4`).

/// One installed package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    pub name: String,
    pub version: String,
    pub arch: String,
}

/// Most packages read from one database (a hostile file could claim millions).
pub const MAX_PACKAGES: usize = 100_000;

/// Parse stanzas; packages whose `Status` says they are not installed are skipped.
pub fn parse(text: &str) -> Vec<Package> {
    let mut out = Vec::new();
    let mut cur: (Option<String>, Option<String>, String, bool) = (None, None, String::new(), true);
    let flush = |cur: &mut (Option<String>, Option<String>, String, bool),
                 out: &mut Vec<Package>| {
        if let (Some(n), Some(v)) = (cur.0.take(), cur.1.take()) {
            if cur.3 && !n.is_empty() && out.len() < MAX_PACKAGES {
                out.push(Package {
                    name: n,
                    version: v,
                    arch: std::mem::take(&mut cur.2),
                });
            }
        }
        *cur = (None, None, String::new(), true);
    };
    for line in text.lines() {
        if line.trim().is_empty() {
            flush(&mut cur, &mut out);
            continue;
        }
        if line.starts_with(' ') || line.starts_with('\t') {
            continue; // continuation of a multi-line field
        }
        let Some((k, v)) = line.split_once(':') else {
            continue;
        };
        let v = v.trim();
        match k.trim() {
            "Package" => cur.0 = Some(v.chars().take(200).collect()),
            "Version" => cur.1 = Some(v.chars().take(200).collect()),
            "Architecture" => cur.2 = v.chars().take(64).collect(),
            "Status" => {
                // dpkg: "install ok installed"; opkg: "install user installed"
                cur.3 = v.split_whitespace().last() == Some("installed");
            }
            _ => {}
        }
    }
    flush(&mut cur, &mut out);
    out
}

/// Parse apk's installed database (apk-tools `lib/apk/db/installed`: `P:` name, `V:`
/// version, `A:` architecture; one stanza per package, blank lines between). Every stanza
/// is an installed package.
pub fn parse_apk(text: &str) -> Vec<Package> {
    let mut out = Vec::new();
    let mut cur: (Option<String>, Option<String>, String) = (None, None, String::new());
    let flush = |cur: &mut (Option<String>, Option<String>, String), out: &mut Vec<Package>| {
        if let (Some(n), Some(v)) = (cur.0.take(), cur.1.take()) {
            if !n.is_empty() && out.len() < MAX_PACKAGES {
                out.push(Package {
                    name: n,
                    version: v,
                    arch: std::mem::take(&mut cur.2),
                });
            }
        }
        *cur = (None, None, String::new());
    };
    for line in text.lines() {
        if line.trim().is_empty() {
            flush(&mut cur, &mut out);
            continue;
        }
        let Some((k, v)) = line.split_once(':') else {
            continue;
        };
        let v = v.trim();
        match k {
            "P" => cur.0 = Some(v.chars().take(200).collect()),
            "V" => cur.1 = Some(v.chars().take(200).collect()),
            "A" => cur.2 = v.chars().take(64).collect(),
            _ => {}
        }
    }
    flush(&mut cur, &mut out);
    out
}

/// Upstream version of a package version: epoch and package revision removed
/// (`1:2.3-4` -> `2.3`, `6.7p1-3` -> `6.7p1`, `3.10.14-1-b111ad83` -> `3.10.14`); date-style
/// versions without a dot before the first `-` are kept whole (`2014-10-27-fd8e5e3`).
pub fn upstream(version: &str) -> String {
    let v = match version.split_once(':') {
        Some((e, rest)) if !e.is_empty() && e.bytes().all(|c| c.is_ascii_digit()) => rest,
        _ => version,
    };
    match v.split_once('-') {
        Some((first, _))
            if first.contains('.') && first.as_bytes().first().is_some_and(u8::is_ascii_digit) =>
        {
            first.to_string()
        }
        _ => v.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stanzas_and_status() {
        let t = "Package: busybox\nVersion: 1.22.1-3\nDepends: libc\nStatus: install user installed\nArchitecture: ramips_24kec\n\nPackage: gone\nVersion: 1\nStatus: deinstall ok config-files\n\nPackage: nostatus\nDescription: x\n more\nVersion: 2.0-1\n";
        let p = parse(t);
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].name, "busybox");
        assert_eq!(p[0].version, "1.22.1-3");
        assert_eq!(p[0].arch, "ramips_24kec");
        assert_eq!(p[1].name, "nostatus");
        assert_eq!(p[1].version, "2.0-1");
    }

    #[test]
    fn apk_installed_database() {
        // the shape of Alpine 3.18's lib/apk/db/installed (checksums shortened)
        let t = "C:Q1abc=\nP:musl\nV:1.2.4-r2\nA:x86_64\nS:383152\nI:622592\nT:the musl c library (libc) implementation\nU:https://musl.libc.org/\nL:MIT\nF:lib\nR:ld-musl-x86_64.so.1\na:0:0:755\nZ:Q1def=\n\nC:Q1ghi=\nP:busybox\nV:1.36.1-r5\nA:x86_64\n\nP:noversion\n";
        let p = parse_apk(t);
        assert_eq!(p.len(), 2);
        assert_eq!(
            (p[0].name.as_str(), p[0].version.as_str()),
            ("musl", "1.2.4-r2")
        );
        assert_eq!(p[0].arch, "x86_64");
        assert_eq!(
            (p[1].name.as_str(), p[1].version.as_str()),
            ("busybox", "1.36.1-r5")
        );
        assert_eq!(upstream(&p[0].version), "1.2.4");
        assert_eq!(upstream("1.2.4_git20230717-r4"), "1.2.4_git20230717");
    }

    #[test]
    fn upstream_versions() {
        assert_eq!(upstream("1.22.1-3"), "1.22.1");
        assert_eq!(upstream("6.7p1-3"), "6.7p1");
        assert_eq!(upstream("1.0.2d-1"), "1.0.2d");
        assert_eq!(
            upstream("3.10.14-1-b111ad83351afe639183d8564c3857ca"),
            "3.10.14"
        );
        assert_eq!(upstream("1:2.3-4"), "2.3");
        assert_eq!(upstream("2014-10-27-fd8e5e3"), "2014-10-27-fd8e5e3");
        assert_eq!(upstream("4.8-linaro-1"), "4.8");
        assert_eq!(upstream("20141019"), "20141019");
    }
}
