//! Every occurrence of every pattern of a set of byte strings, overlapping ones included, in
//! one pass.
//!
//! `aho-corasick`'s overlapping search (`MatchKind::Standard`) reports this directly, but it
//! cannot use the crate's vectorised (Teddy) prefilter, which only serves the leftmost match
//! kinds: it steps its automaton over every byte. On 13 MB of router executables and the 55
//! version-string anchors of the SBOM rules that took 38-40 ms against 3.0-3.7 ms for a
//! leftmost-first search restarted one byte after each match's start (same 163 matches),
//! and 37-46 ms for 55 separate `memmem` passes. A leftmost-first search finds, at each start
//! offset where some pattern matches, the pattern of highest priority; with the patterns
//! ordered longest first, every other pattern matching at that offset is a prefix of the one
//! reported, so those are reported from a table built once. Restarting one byte after the
//! start finds the matches that begin inside an earlier one. Nothing is lost against the
//! overlapping search; the order differs (by start offset instead of end offset).

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, Input, MatchKind};

/// A compiled set of non-empty byte-string patterns.
#[derive(Clone, Debug)]
pub struct Literals {
    ac: AhoCorasick,
    /// automaton pattern -> caller's pattern index
    order: Vec<usize>,
    /// automaton pattern -> the caller's indices of the other patterns that are prefixes of
    /// it (equal ones included)
    prefixes: Vec<Vec<usize>>,
}

/// One occurrence: the caller's pattern index and the offset the pattern starts at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hit {
    pub pattern: usize,
    pub start: usize,
}

impl Literals {
    /// Compile `patterns`. An empty pattern is refused (it would match at every offset).
    pub fn new<P: AsRef<[u8]>>(patterns: &[P]) -> Result<Literals, String> {
        if let Some(i) = patterns.iter().position(|p| p.as_ref().is_empty()) {
            return Err(format!("pattern {i} is empty"));
        }
        let mut order: Vec<usize> = (0..patterns.len()).collect();
        // longest first (stable: equal lengths keep the caller's order)
        order.sort_by_key(|&i| std::cmp::Reverse(patterns[i].as_ref().len()));
        let sorted: Vec<&[u8]> = order.iter().map(|&i| patterns[i].as_ref()).collect();
        let prefixes = order
            .iter()
            .map(|&i| {
                let p = patterns[i].as_ref();
                (0..patterns.len())
                    .filter(|&j| j != i && p.starts_with(patterns[j].as_ref()))
                    .collect()
            })
            .collect();
        // a DFA when small enough (faster than the NFA when the prefilter gives candidates
        // often); the builder falls back to an NFA for large sets
        let ac = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostFirst)
            .kind(if sorted.len() <= 256 {
                Some(AhoCorasickKind::DFA)
            } else {
                None
            })
            .build(&sorted)
            .map_err(|e| e.to_string())?;
        Ok(Literals {
            ac,
            order,
            prefixes,
        })
    }

    /// Number of patterns.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// Every occurrence of every pattern in `hay`, by start offset; at one offset the longest
    /// pattern first.
    pub fn find_iter<'a>(&'a self, hay: &'a [u8]) -> Hits<'a> {
        Hits {
            set: self,
            hay,
            pos: 0,
            pending: None,
        }
    }

    /// The first offset of each pattern in `hay` (`None` where it does not occur).
    pub fn first_offsets(&self, hay: &[u8]) -> Vec<Option<usize>> {
        let mut out = vec![None; self.len()];
        let mut left = self.len();
        for h in self.find_iter(hay) {
            if out[h.pattern].is_none() {
                out[h.pattern] = Some(h.start);
                left -= 1;
                if left == 0 {
                    break;
                }
            }
        }
        out
    }
}

/// Iterator of [`Literals::find_iter`].
pub struct Hits<'a> {
    set: &'a Literals,
    hay: &'a [u8],
    pos: usize,
    /// (automaton pattern, start, next prefix to report)
    pending: Option<(usize, usize, usize)>,
}

impl Iterator for Hits<'_> {
    type Item = Hit;

    fn next(&mut self) -> Option<Hit> {
        if let Some((ap, start, k)) = self.pending {
            if let Some(&pattern) = self.set.prefixes.get(ap).and_then(|l| l.get(k)) {
                self.pending = Some((ap, start, k + 1));
                return Some(Hit { pattern, start });
            }
            self.pending = None;
        }
        if self.pos > self.hay.len() {
            return None;
        }
        let m = self
            .set
            .ac
            .find(Input::new(self.hay).span(self.pos..self.hay.len()))?;
        let ap = m.pattern().as_usize();
        self.pos = m.start() + 1;
        self.pending = Some((ap, m.start(), 0));
        Some(Hit {
            pattern: *self.set.order.get(ap)?,
            start: m.start(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Oracle: every (pattern, start) by brute force, sorted like `find_iter`'s output.
    fn brute(pats: &[&[u8]], hay: &[u8]) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        for s in 0..hay.len() {
            for (i, p) in pats.iter().enumerate() {
                if hay[s..].starts_with(p) {
                    out.push((s, i));
                }
            }
        }
        out
    }

    fn sorted(set: &Literals, hay: &[u8]) -> Vec<(usize, usize)> {
        let mut v: Vec<(usize, usize)> = set.find_iter(hay).map(|h| (h.start, h.pattern)).collect();
        v.sort();
        v
    }

    #[test]
    fn overlapping_prefix_and_inner_matches() {
        let pats: &[&[u8]] = &[
            b"Password:",
            b"Password: ",
            b"telnetd -l /bin/sh",
            b"/bin/sh\0",
            b"/bin/sh",
            b"sh",
        ];
        let hay = b"xx Password: yy telnetd -l /bin/sh\0 zz /bin/shell Password:";
        let set = Literals::new(pats).unwrap();
        let got = sorted(&set, hay);
        assert_eq!(got, brute(pats, hay));
        // concrete: the NUL-terminated shell inside the telnetd command line
        assert!(got.contains(&(27, 3)));
        assert_eq!(got.iter().filter(|(_, p)| *p == 5).count(), 2);
        let first = set.first_offsets(hay);
        assert_eq!(first[0], Some(3));
        assert_eq!(first[1], Some(3));
        assert_eq!(first[2], Some(16));
        assert_eq!(first[3], Some(27));
        assert_eq!(first[4], Some(27));
    }

    #[test]
    fn equal_patterns_are_both_reported() {
        let pats: &[&[u8]] = &[b"OpenSSL ", b"OpenSSL ", b"SSL"];
        let hay = b"part of OpenSSL 1.0.2";
        let set = Literals::new(pats).unwrap();
        assert_eq!(sorted(&set, hay), vec![(8, 0), (8, 1), (12, 2)]);
    }

    #[test]
    fn agrees_with_brute_force_on_pseudo_random_data() {
        // small alphabet so that overlaps are frequent
        let mut x: u32 = 0x1234_5678;
        let hay: Vec<u8> = (0..20_000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                b"ab\0c"[(x % 4) as usize]
            })
            .collect();
        let pats: &[&[u8]] = &[b"ab", b"aba", b"ba\0", b"\0c", b"abab", b"cab", b"c"];
        let set = Literals::new(pats).unwrap();
        let got = sorted(&set, &hay);
        assert_eq!(got, brute(pats, &hay));
        assert!(got.len() > 5_000);
    }

    #[test]
    fn empty_pattern_is_refused() {
        let e = Literals::new(&[&b"a"[..], b""]).unwrap_err();
        assert_eq!(e, "pattern 1 is empty");
        assert!(Literals::new::<&[u8]>(&[])
            .unwrap()
            .find_iter(b"abc")
            .next()
            .is_none());
    }
}
