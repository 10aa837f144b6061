//! The one HTML escaper of netvet: the HTML report, the lab service's pages and the network
//! assessment's HTML all escape through [`escape`].
//!
//! Written by hand: five replacements and a rule for control characters do not need a crate,
//! and one visible function is easy to audit.

use std::fmt::Write as _;

/// Escape text for HTML element content and quoted attribute values: `&`, `<`, `>`, `"` and
/// `'` become entities; control characters other than tab and newline (invalid in HTML)
/// become a visible `\u{..}`.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn markup_quotes_and_controls() {
        assert_eq!(
            escape("<a href=\"x\">Tom & 'Jerry'</a>"),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;"
        );
        assert_eq!(escape("a\u{1b}[31m\tb\n"), "a\\u{1b}[31m\tb\n");
        assert_eq!(escape("plain"), "plain");
    }
}
