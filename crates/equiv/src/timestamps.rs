//! Recognising embedded build timestamps, so that a difference confined to them counts as
//! metadata ("Built on Nov 29 2026 12:00:01" in two otherwise identical builds).

fn is_text_byte(b: u8) -> bool {
    (0x20..0x7f).contains(&b)
}

/// The printable ASCII run around `pos` (bounded to 128 bytes each side).
fn text_run(data: &[u8], pos: usize) -> (usize, usize) {
    let mut s = pos;
    while s > 0 && pos - s < 128 && is_text_byte(data[s - 1]) {
        s -= 1;
    }
    let mut e = pos;
    while e < data.len() && e - pos < 128 && is_text_byte(data[e]) {
        e += 1;
    }
    (s, e)
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Does `s` contain a date or time at byte range `[lo, hi)` (relative to `s`)? Patterns:
/// `HH:MM:SS`, `YYYY-MM-DD`, `YYYYMMDD`-style digit runs of a plausible date, month names
/// followed by a day, and 10-digit epoch seconds.
pub fn covers_timestamp(s: &[u8], lo: usize, hi: usize) -> bool {
    let text = String::from_utf8_lossy(s);
    let t = text.as_bytes();
    // find every timestamp-like token and check that it covers [lo, hi)
    let mut spans: Vec<(usize, usize)> = Vec::new();
    let n = t.len();
    let dig = |i: usize| i < n && t[i].is_ascii_digit();
    let mut i = 0;
    while i < n {
        // HH:MM(:SS)
        if dig(i) && dig(i + 1) && i + 4 < n && t[i + 2] == b':' && dig(i + 3) && dig(i + 4) {
            let mut e = i + 5;
            if e + 2 < n + 1 && e < n && t[e] == b':' && dig(e + 1) && dig(e + 2) {
                e += 3;
            }
            spans.push((i, e));
            i = e;
            continue;
        }
        // YYYY-MM-DD or YYYY/MM/DD or YYYY.MM.DD
        if (0..4).all(|k| dig(i + k))
            && i + 9 < n
            && matches!(t[i + 4], b'-' | b'/' | b'.')
            && dig(i + 5)
            && dig(i + 6)
            && t[i + 7] == t[i + 4]
            && dig(i + 8)
            && dig(i + 9)
        {
            spans.push((i, i + 10));
            i += 10;
            continue;
        }
        // digit runs of 8 (YYYYMMDD), 12/14 (with time) or 10 (epoch seconds)
        if dig(i) && (i == 0 || !dig(i - 1)) {
            let mut e = i;
            while dig(e) {
                e += 1;
            }
            let run = &text[i..e];
            let len = e - i;
            let plausible = match len {
                8 | 12 | 14 => run.starts_with("19") || run.starts_with("20"),
                10 => run.starts_with('1'),
                _ => false,
            };
            if plausible {
                spans.push((i, e));
            }
            i = e.max(i + 1);
            continue;
        }
        // Month name + day (+ year)
        if i + 3 <= n {
            if let Ok(w) = std::str::from_utf8(&t[i..i + 3]) {
                if MONTHS.contains(&w) {
                    let mut e = i + 3;
                    while e < n && (t[e] == b' ' || t[e].is_ascii_digit()) && e - i < 16 {
                        e += 1;
                    }
                    if e > i + 4 {
                        spans.push((i, e));
                        i = e;
                        continue;
                    }
                }
            }
        }
        i += 1;
    }
    spans.iter().any(|&(a, b)| a <= lo && hi <= b)
}

/// True when `a` and `b` have the same length and every differing byte lies inside an
/// embedded timestamp in both. Returns the number of such bytes, or `None` when a difference
/// is not a timestamp.
pub fn only_timestamps(a: &[u8], b: &[u8]) -> Option<usize> {
    if a.len() != b.len() {
        return None;
    }
    let mut i = 0;
    let mut total = 0;
    let mut runs = 0;
    while i < a.len() {
        if a[i] == b[i] {
            i += 1;
            continue;
        }
        let start = i;
        while i < a.len() && a[i] != b[i] {
            i += 1;
        }
        runs += 1;
        if runs > 64 {
            return None;
        }
        total += i - start;
        for data in [a, b] {
            if !is_text_byte(data[start]) {
                return None;
            }
            let (s, e) = text_run(data, start);
            if i > e || !covers_timestamp(&data[s..e], start - s, i - s) {
                return None;
            }
        }
    }
    Some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_dates_are_timestamps() {
        assert_eq!(
            only_timestamps(
                b"\0built Nov 29 2026 12:00:01\0",
                b"\0built Nov 30 2026 13:10:01\0"
            ),
            Some(4)
        );
        assert_eq!(only_timestamps(b"v=2026-11-29;", b"v=2026-12-01;"), Some(3));
        assert_eq!(only_timestamps(b"t=1786544698 ", b"t=1786544699 "), Some(1));
        assert_eq!(only_timestamps(b"password=admin", b"password=admon"), None);
        assert_eq!(only_timestamps(b"\x01\x02", b"\x01\x03"), None);
        assert_eq!(only_timestamps(b"ab", b"abc"), None);
    }
}
