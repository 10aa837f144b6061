//! What unpacking understood of a blob: padding, unknown regions, their entropy.
//!
//! A blob's bytes are understood when a handler recognised them (recursively: a container
//! counts as far as its payload was understood), when they are padding (runs of 0x00 or
//! 0xff), or when the blob is a leaf (ELF, text). Everything else is an unknown region; the
//! ones of at least [`MIN_REPORTED`] bytes are reported with their first bytes and entropy.

/// Unknown regions smaller than this are counted but not reported one by one.
pub const MIN_REPORTED: usize = 512;

/// Most unknown regions recorded in one run (the coverage figure still counts them all).
pub const MAX_RECORDS: usize = 1000;

/// Bytes of a region shown in its report.
pub const HEADER_BYTES: usize = 16;

/// Entropy (bits per byte) above which a region is taken as compressed or encrypted.
pub const HIGH_ENTROPY: f64 = 7.5;

/// Shannon entropy of `d` in bits per byte (0 for empty input).
pub fn entropy(d: &[u8]) -> f64 {
    if d.is_empty() {
        return 0.0;
    }
    let mut counts = [0u64; 256];
    for &b in d {
        counts[b as usize] += 1;
    }
    let n = d.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n;
            -p * p.log2()
        })
        .sum()
}

/// The part of `d[a..b]` that is not leading or trailing padding (0x00 / 0xff runs).
pub fn trim_padding(d: &[u8], a: usize, b: usize) -> (usize, usize) {
    let region = &d[a..b];
    let pad = |x: &u8| *x == 0 || *x == 0xff;
    let lead = region.iter().take_while(|x| pad(x)).count();
    if lead == region.len() {
        return (b, b);
    }
    let trail = region.iter().rev().take_while(|x| pad(x)).count();
    (a + lead, b - trail)
}

/// Uncovered regions of a blob of `len` bytes given sorted, non-overlapping `spans`.
pub fn gaps(len: usize, spans: &[(usize, usize)]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut at = 0usize;
    for &(s, e) in spans {
        if s > at {
            out.push((at, s));
        }
        at = at.max(e);
    }
    if at < len {
        out.push((at, len));
    }
    out
}

/// Window in which entropy is judged.
pub const WINDOW: usize = 4096;

/// The high-entropy regions of `d[a..b]`: consecutive [`WINDOW`]-byte windows (the last one
/// may be shorter, judged only from [`MIN_REPORTED`] bytes) whose entropy is at least
/// [`HIGH_ENTROPY`], merged. Low-entropy content (code, tables, strings) is readable by the
/// string-level analyses as it is; high-entropy content is compressed or encrypted data that
/// no handler opened, so the scan did not see inside it.
pub fn opaque_regions(d: &[u8], a: usize, b: usize) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::new();
    let mut at = a;
    while at < b {
        let end = (at + WINDOW).min(b);
        if end - at >= MIN_REPORTED && entropy(&d[at..end]) >= HIGH_ENTROPY {
            match out.last_mut() {
                Some(last) if last.1 == at => last.1 = end,
                _ => out.push((at, end)),
            }
        }
        at = end;
    }
    out
}

/// Why a region is unknown, from its entropy.
pub fn reason(entropy: f64) -> String {
    if entropy >= HIGH_ENTROPY {
        "no known format; high entropy: compressed or encrypted data of an unknown scheme".into()
    } else {
        "no known format (code, data or a format netvet does not read)".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entropy_bounds() {
        assert_eq!(entropy(&[7u8; 100]), 0.0);
        let all: Vec<u8> = (0..=255u8).collect();
        assert!((entropy(&all) - 8.0).abs() < 1e-9);
    }

    #[test]
    fn opaque_regions_are_the_high_entropy_windows() {
        let mut x = 0x1234_5678u32;
        let mut d = vec![0x41u8; 3 * WINDOW];
        for b in &mut d[WINDOW..2 * WINDOW + 100] {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            *b = (x >> 16) as u8;
        }
        assert_eq!(opaque_regions(&d, 0, d.len()), vec![(WINDOW, 2 * WINDOW)]);
        assert_eq!(opaque_regions(&d, 0, WINDOW), vec![]);
    }

    #[test]
    fn padding_and_gaps() {
        let d = [0u8, 0, 1, 2, 0xff, 0xff];
        assert_eq!(trim_padding(&d, 0, 6), (2, 4));
        assert_eq!(trim_padding(&d, 4, 6), (6, 6));
        assert_eq!(gaps(10, &[(2, 4), (6, 8)]), vec![(0, 2), (4, 6), (8, 10)]);
        assert_eq!(gaps(4, &[(0, 4)]), vec![]);
    }
}
