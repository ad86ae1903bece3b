//! Text and numbers as they go into the SVG.

/// XML-escapes `s` for text and attribute values alike, and drops the characters XML 1.0
/// cannot carry at all (control characters, U+FFFE, U+FFFF): a name from a file must not
/// make the document unreadable.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(' '),
            c if c < ' ' || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

/// A coordinate with at most one decimal, the same on every machine: a tenth of a unit is
/// a tenth of a millimetre on A4, finer than print, and shorter numbers keep the page
/// light. Never `-0`.
pub(crate) fn num(v: f64) -> String {
    let tenths = (v * 10.0).round();
    let tenths = if tenths.is_finite() { tenths as i64 } else { 0 };
    let (sign, a) = if tenths < 0 {
        ("-", -tenths)
    } else {
        ("", tenths)
    };
    match a % 10 {
        0 => format!("{sign}{}", a / 10),
        d => format!("{sign}{}.{d}", a / 10),
    }
}

/// Text broken between words into lines of at most `width` characters, at most `lines`
/// lines; what does not fit ends in an ellipsis. A word longer than a line (a URL) has a
/// line of its own.
pub(crate) fn wrap(s: &str, width: usize, lines: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    for word in s.split_whitespace() {
        if !cur.is_empty() && cur.chars().count() + 1 + word.chars().count() > width {
            out.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(word);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    if out.len() > lines {
        out.truncate(lines);
        if let Some(last) = out.last_mut() {
            let keep = last.chars().count().min(width.saturating_sub(1));
            *last = last.chars().take(keep).collect::<String>() + "…";
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_one_decimal_at_most() {
        for (v, s) in [
            (0.0, "0"),
            (-0.0, "0"),
            (-0.04, "0"),
            (1.25, "1.3"),
            (12.0, "12"),
            (12.34, "12.3"),
            (-3.06, "-3.1"),
            (999.96, "1000"),
            (f64::NAN, "0"),
        ] {
            assert_eq!(num(v), s, "{v}");
        }
    }

    #[test]
    fn escaping_covers_markup_and_drops_what_xml_cannot_hold() {
        assert_eq!(
            esc("<script>alert('x')</script> & \"q\"\u{1}\u{ffff}\té"),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot; é"
        );
    }

    #[test]
    fn wrapping_breaks_between_words() {
        assert_eq!(wrap("một hai ba bốn", 7, 9), ["một hai", "ba bốn"]);
        assert_eq!(
            wrap("a https://example.org/very/long b", 10, 9),
            ["a", "https://example.org/very/long", "b"]
        );
        assert_eq!(wrap("một hai ba bốn", 7, 1), ["một ha…"]);
        assert!(wrap("   ", 7, 1).is_empty());
    }
}
