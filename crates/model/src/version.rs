//! Version order for the versions embedded firmware really carries: the one version order
//! of netvet (vulnerability ranges, end-of-life data and release diffs all use [`compare`]).
//!
//! Written by hand: general-purpose crates either demand SemVer (`semver`) or implement one
//! distribution's rules (`debian`/`rpm` version crates); firmware mixes OpenSSL letter
//! releases (`1.0.2k` < `1.0.2zg`), OpenSSH portable releases (`9.2p1`), date versions
//! (`2022.83`), four-part versions (`1.4.69`, `0.9.33.2`) and package revisions (`2.10-12`).
//!
//! A version is split into runs of digits and runs of letters; separators (`.`, `-`, `_`,
//! `+`, `~`, ...) only delimit. Runs compare pairwise: numbers numerically, letters
//! case-insensitively. When one version runs out first:
//! - a remaining pre-release word (`alpha`, `beta`, `rc`, `pre`, `dev`, `snapshot`, `~...`)
//!   makes the longer version *older* (`5.6.0rc1` < `5.6.0`);
//! - anything else (a number, a letter release `k`, a portable suffix `p1`) makes it *newer*
//!   (`1.0.2` < `1.0.2a`, `9.2` < `9.2p1`, `2.10` < `2.10-12`).
//!
//! An epoch `N:` in front is compared first (`1:1.0` > `2.0`).

use std::cmp::Ordering;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok<'a> {
    Num(&'a str),
    Alpha(&'a str),
    /// A `~` separator: Debian's "sorts before everything".
    Tilde,
}

/// At most this many tokens are compared (hostile input may be long).
const MAX_TOKENS: usize = 64;

fn tokens(s: &str) -> Vec<Tok<'_>> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() && out.len() < MAX_TOKENS {
        let c = b[i];
        if c.is_ascii_digit() {
            let st = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            out.push(Tok::Num(&s[st..i]));
        } else if c.is_ascii_alphabetic() {
            let st = i;
            while i < b.len() && b[i].is_ascii_alphabetic() {
                i += 1;
            }
            out.push(Tok::Alpha(&s[st..i]));
        } else {
            if c == b'~' {
                out.push(Tok::Tilde);
            }
            i += 1;
        }
    }
    out
}

fn is_prerelease(word: &str) -> bool {
    let w = word.to_ascii_lowercase();
    matches!(
        w.as_str(),
        "alpha" | "beta" | "rc" | "pre" | "preview" | "dev" | "snapshot" | "test"
    )
}

fn cmp_num(a: &str, b: &str) -> Ordering {
    let a = a.trim_start_matches('0');
    let b = b.trim_start_matches('0');
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

fn cmp_alpha(a: &str, b: &str) -> Ordering {
    let (pa, pb) = (is_prerelease(a), is_prerelease(b));
    if pa != pb {
        // `1.0rc1` vs `1.0k`: the pre-release is older
        return if pa {
            Ordering::Less
        } else {
            Ordering::Greater
        };
    }
    a.to_ascii_lowercase().cmp(&b.to_ascii_lowercase())
}

/// Order of a remaining token against "nothing": pre-releases and `~` are older, anything
/// else newer.
fn tail_order(t: &Tok<'_>) -> Ordering {
    match t {
        Tok::Tilde => Ordering::Less,
        Tok::Alpha(w) if is_prerelease(w) => Ordering::Less,
        _ => Ordering::Greater,
    }
}

fn split_epoch(s: &str) -> (u64, &str) {
    if let Some((e, rest)) = s.split_once(':') {
        if !e.is_empty() && e.len() <= 9 && e.bytes().all(|c| c.is_ascii_digit()) {
            return (e.parse().unwrap_or(0), rest);
        }
    }
    (0, s)
}

/// Compare two version strings (see the module documentation for the order).
pub fn compare(a: &str, b: &str) -> Ordering {
    let (ea, a) = split_epoch(a.trim());
    let (eb, b) = split_epoch(b.trim());
    if ea != eb {
        return ea.cmp(&eb);
    }
    let ta = tokens(a);
    let tb = tokens(b);
    let n = ta.len().max(tb.len());
    for i in 0..n {
        let ord = match (ta.get(i), tb.get(i)) {
            (Some(x), Some(y)) => match (x, y) {
                (Tok::Num(p), Tok::Num(q)) => cmp_num(p, q),
                (Tok::Alpha(p), Tok::Alpha(q)) => cmp_alpha(p, q),
                (Tok::Tilde, Tok::Tilde) => Ordering::Equal,
                (Tok::Tilde, _) => Ordering::Less,
                (_, Tok::Tilde) => Ordering::Greater,
                // a number sorts after letters (`1.0.2.1` > `1.0.2a`), except that a
                // pre-release word is older than any number
                (Tok::Num(_), Tok::Alpha(_)) => Ordering::Greater,
                (Tok::Alpha(_), Tok::Num(_)) => Ordering::Less,
            },
            (Some(x), None) => tail_order(x),
            (None, Some(y)) => tail_order(y).reverse(),
            (None, None) => Ordering::Equal,
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    Ordering::Equal
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;

    fn lt(a: &str, b: &str) {
        assert_eq!(compare(a, b), Less, "{a} < {b}");
        assert_eq!(compare(b, a), Greater, "{b} > {a}");
    }

    #[test]
    fn openssl_letter_releases() {
        lt("1.0.2", "1.0.2a");
        lt("1.0.2k", "1.0.2zg");
        lt("1.0.2z", "1.0.2za");
        lt("1.0.2zf", "1.0.2zg");
        lt("1.0.2zg", "1.0.3");
        lt("1.1.1s", "1.1.1t");
        lt("3.0.7", "3.0.8");
        lt("1.0.1u", "1.0.2");
    }

    #[test]
    fn openssh_dropbear_and_dates() {
        lt("9.2", "9.2p1");
        lt("9.2p1", "9.2p2");
        lt("9.2p1", "9.8");
        lt("8.5p1", "8.6");
        lt("2016.73", "2016.74");
        lt("2020.81", "2022.83");
        lt("2014.63", "2016.73");
    }

    #[test]
    fn numeric_not_lexicographic() {
        lt("1.4.9", "1.4.69");
        lt("1.4.63", "1.4.69");
        lt("0.9.33.2", "1.0.0");
        lt("1.22.1", "1.27.0");
        lt("2.9", "2.10");
        lt("2.10", "2.10-12");
        lt("2.10-9", "2.10-12");
        assert_eq!(compare("1.2.00", "1.2.0"), Equal);
        assert_eq!(compare("5.6.1", "5.6.1"), Equal);
    }

    #[test]
    fn prereleases_and_epochs() {
        lt("5.6.0rc1", "5.6.0");
        lt("1.0.0-beta2", "1.0.0");
        lt("1.0.0alpha", "1.0.0beta");
        lt("1.0~rc1", "1.0");
        lt("2.0", "1:1.0");
    }

    #[test]
    fn hostile_input_does_not_panic() {
        let long = "1.".repeat(100_000);
        assert_eq!(compare(&long, &long), Equal);
        let big = "9".repeat(5000);
        lt("1", &big);
        let _ = compare("", "\u{0}\u{ff}:::");
        let _ = compare("99999999999999999999999:1", "1");
    }
}
