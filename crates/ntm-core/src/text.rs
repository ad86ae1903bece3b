//! Keys for searching and ordering Vietnamese text.
//!
//! SQLite and PostgreSQL neither compare nor fold Vietnamese the same way, so the keys are
//! computed here once and stored; both backends then filter and order by plain ASCII.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Lower-case ASCII form of `text` for diacritic-insensitive search: marks removed, `đ`
/// mapped to `d`, runs of whitespace collapsed. "Kỳ Lạc" and "ky  lac" give the same key.
pub fn search_key(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.nfd() {
        if is_combining_mark(c) {
            continue;
        }
        let c = match c {
            'đ' | 'Đ' => 'd',
            c => c,
        };
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.extend(c.to_lowercase());
    }
    out
}

/// Whether every word of `query` occurs, in order-insensitive fashion, in `text`, both
/// folded with [`search_key`].
pub fn matches(text: &str, query: &str) -> bool {
    let hay = search_key(text);
    search_key(query)
        .split(' ')
        .filter(|w| !w.is_empty())
        .all(|w| hay.contains(w))
}

/// A date as people type it: `2026-12-31` (a date picker, a sheet's date cell) or
/// `31/12/2026` (and `1/7/2025`).
pub fn parse_date(text: &str) -> Option<chrono::NaiveDate> {
    let t = text.trim();
    chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .or_else(|_| chrono::NaiveDate::parse_from_str(t, "%d/%m/%Y"))
        .ok()
}

/// A decimal as Vietnamese readers write it (vi-VN): decimal comma, dot for thousands.
pub fn vi_number(d: rust_decimal::Decimal) -> String {
    let d = d.normalize();
    let text = d.abs().to_string();
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push('.');
        }
        grouped.push(c);
    }
    let sign = if d.is_sign_negative() && !d.is_zero() {
        "-"
    } else {
        ""
    };
    if frac.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped},{frac}")
    }
}

/// NFC form, so that names typed on different keyboards compare equal.
pub fn nfc(text: &str) -> String {
    text.nfc().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_vietnamese_diacritics_and_d_stroke() {
        for (input, expected) in [
            ("Kỳ Lạc", "ky lac"),
            ("Xã Đức  Hương", "xa duc huong"),
            ("THỊ TRẤN Tây Sơn", "thi tran tay son"),
            ("Cẩm Vịnh", "cam vinh"),
            ("", ""),
        ] {
            assert_eq!(search_key(input), expected, "{input}");
        }
    }

    #[test]
    fn numbers_use_the_vietnamese_separators() {
        use rust_decimal::Decimal;
        assert_eq!(vi_number(Decimal::new(12345678, 1)), "1.234.567,8");
        assert_eq!(vi_number(Decimal::new(855, 1)), "85,5");
        assert_eq!(vi_number(Decimal::new(-5, 0)), "-5");
        assert_eq!(vi_number(Decimal::from(100)), "100");
    }

    #[test]
    fn query_words_match_in_any_order() {
        assert!(matches("Xã Kỳ Lạc", "ky lac"));
        assert!(matches("Xã Kỳ Lạc", "lạc kỳ"));
        assert!(!matches("Xã Kỳ Tây", "ky lac"));
    }
}
