//! Small shared pieces: A1 cell names, the text of a number read from a cell, sheet-name
//! rules and the fixed document properties that make written workbooks reproducible.

use rust_decimal::Decimal;
use rust_xlsxwriter::{DocProperties, ExcelDateTime};

use crate::ReportError;

/// Column letters of a zero-based column index: 0 → "A", 25 → "Z", 26 → "AA".
pub(crate) fn column_name(col: u32) -> String {
    let mut n = col + 1;
    let mut out = Vec::new();
    while n > 0 {
        let rem = ((n - 1) % 26) as u8;
        out.push(b'A' + rem);
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).expect("ASCII letters")
}

/// A1 name of a zero-based (row, column): (6, 3) → "D7".
pub(crate) fn cell_name(row: u32, col: u32) -> String {
    format!("{}{}", column_name(col), u64::from(row) + 1)
}

/// Zero-based column index of column letters ("D" → 3); `None` for anything else.
pub(crate) fn column_index(letters: &str) -> Option<u32> {
    if letters.is_empty() || letters.len() > 3 {
        return None;
    }
    let mut n: u32 = 0;
    for b in letters.bytes() {
        if !b.is_ascii_uppercase() {
            return None;
        }
        n = n * 26 + u32::from(b - b'A') + 1;
    }
    Some(n - 1)
}

/// The text of a number as a person typed it: Excel stores every number as a binary
/// double, so 85.5 typed by a user may come back as 85.49999999999999. Excel itself shows
/// at most 15 significant digits, so the number is rounded to 15 significant digits and
/// written without trailing zeros or exponent ("85.5", "100", "0.3").
pub(crate) fn number_text(f: f64) -> String {
    if !f.is_finite() {
        // Not storable in a cell; said plainly rather than hidden.
        return f.to_string();
    }
    if f == f.trunc() && f.abs() < 1e15 {
        // Exact integer: `as` is lossless below 2^53 and this bound is below it.
        return (f as i64).to_string();
    }
    let scientific = format!("{f:.14e}");
    match Decimal::from_scientific(&scientific) {
        Ok(d) => {
            let d = d.normalize();
            if d.is_zero() {
                "0".to_owned()
            } else {
                unmistakable(d.to_string())
            }
        }
        // Beyond Decimal's range (|x| < 1e-28 or > 7.9e28): no indicator value looks like
        // that, the shortest round-trip text is as honest as anything.
        Err(_) => f.to_string(),
    }
}

/// A number cell is exact, but its text goes to the same reader as typed text, which
/// refuses `1.234` (one thousand two hundred thirty-four in Vietnamese writing, one point
/// two three four in English): a trailing zero keeps the value and removes the doubt.
fn unmistakable(mut text: String) -> String {
    if ntm_core::value::reads_two_ways(&text) {
        text.push('0');
    }
    text
}

/// Characters Excel refuses in a sheet name.
const FORBIDDEN_IN_SHEET_NAME: &[char] = &['[', ']', ':', '*', '?', '/', '\\'];

/// A sheet name Excel accepts: forbidden characters replaced by "-", no leading or
/// trailing apostrophe, at most 31 characters, not empty, and different (ignoring case,
/// as Excel compares) from the names in `taken`.
pub(crate) fn sheet_name(wanted: &str, index: usize, taken: &[String]) -> String {
    let cleaned: String = wanted
        .chars()
        .map(|c| {
            if FORBIDDEN_IN_SHEET_NAME.contains(&c) || c.is_control() {
                '-'
            } else {
                c
            }
        })
        .collect();
    let cleaned = cleaned.trim().trim_matches('\'').trim();
    let base: String = if cleaned.is_empty() || cleaned.eq_ignore_ascii_case("history") {
        // "History" is reserved by Excel.
        format!("Trang {}", index + 1)
    } else {
        cleaned.chars().take(31).collect()
    };
    let is_taken = |name: &str| {
        taken
            .iter()
            .any(|t| t.to_lowercase() == name.to_lowercase())
    };
    if !is_taken(&base) {
        return base;
    }
    (2..)
        .map(|n| {
            let suffix = format!(" ({n})");
            let keep = 31 - suffix.chars().count();
            let stem: String = base.chars().take(keep).collect();
            format!("{}{suffix}", stem.trim_end())
        })
        .find(|candidate| !is_taken(candidate))
        .expect("an unbounded range of suffixes always yields a free name")
}

/// Document properties with a fixed creation time, so that the same input gives the same
/// bytes (the writer would otherwise stamp the current time; the zip entries themselves
/// already carry a fixed date).
pub(crate) fn fixed_properties(title: &str) -> Result<DocProperties, ReportError> {
    let created = ExcelDateTime::from_ymd(2000, 1, 1)?;
    Ok(DocProperties::new()
        .set_title(title)
        .set_author("ntm")
        .set_creation_datetime(&created))
}

/// Estimated number of lines `text` takes when wrapped in `width` column units, with
/// characters `char_width` units wide on average (about 0.95 for body text, 1.1 bold,
/// 1.3 for a size-14 title). Neither Excel nor LibreOffice grows a merged cell, and a
/// converted or printed file does not always grow a wrapped one, so heights are set from
/// this estimate; it wraps greedily at spaces, as they do, and errs on the tall side.
pub(crate) fn lines_needed(text: &str, width: f64, char_width: f64) -> f64 {
    // Half a unit goes to the cell's padding.
    let per_line = ((width - 0.5) / char_width).max(1.0);
    let mut lines = 0.0;
    for paragraph in text.split('\n') {
        let mut current = 0.0_f64;
        let mut count = 1.0;
        for word in paragraph.split_whitespace() {
            let len = word.chars().count() as f64;
            if current > 0.0 && current + 1.0 + len <= per_line {
                current += 1.0 + len;
            } else {
                if current > 0.0 {
                    count += 1.0;
                }
                // A word longer than a line is broken across lines.
                let extra = (len / per_line).ceil().max(1.0) - 1.0;
                count += extra;
                current = len - extra * per_line;
            }
        }
        lines += count;
    }
    f64::max(lines, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_names_round_trip() {
        for (i, name) in [
            (0, "A"),
            (3, "D"),
            (25, "Z"),
            (26, "AA"),
            (82, "CE"),
            (16383, "XFD"),
        ] {
            assert_eq!(column_name(i), name);
            assert_eq!(column_index(name), Some(i));
        }
        assert_eq!(cell_name(6, 3), "D7");
        assert_eq!(column_index("d"), None);
        assert_eq!(column_index(""), None);
    }

    #[test]
    fn numbers_read_as_typed() {
        for (f, text) in [
            (85.5, "85.5"),
            (100.0, "100"),
            (0.1 + 0.2, "0.3"),
            (85.499_999_999_999_99, "85.5"),
            (-3.25, "-3.25"),
            (0.0, "0"),
            (-0.0, "0"),
            (1e20, "100000000000000000000"),
            (12_345.678, "12345.678"),
            (0.000_123, "0.000123"),
            // Never in the shape the two conventions read differently.
            (1.234, "1.2340"),
            (-12.5, "-12.5"),
            (0.125, "0.125"),
        ] {
            assert_eq!(number_text(f), text, "{f}");
        }
    }

    #[test]
    fn line_estimates_wrap_at_spaces() {
        assert_eq!(lines_needed("", 10.0, 1.0), 1.0);
        assert_eq!(lines_needed("ab cd", 10.0, 1.0), 1.0);
        // 9.5 characters a line: "Xã Kỳ số" | "0 có tên" | "khá dài".
        assert_eq!(lines_needed("Xã Kỳ số 0 có tên khá dài", 10.0, 1.0), 3.0);
        assert_eq!(lines_needed("a\nb", 10.0, 1.0), 2.0);
        assert_eq!(lines_needed("x".repeat(30).as_str(), 10.0, 1.0), 4.0);
    }

    #[test]
    fn sheet_names_are_made_acceptable() {
        assert_eq!(sheet_name("a/b:c*?[x]", 0, &[]), "a-b-c---x-");
        assert_eq!(sheet_name("", 2, &[]), "Trang 3");
        assert_eq!(sheet_name("'quoted'", 0, &[]), "quoted");
        let long = "Bảng tổng hợp kết quả thực hiện bộ tiêu chí";
        assert_eq!(sheet_name(long, 0, &[]).chars().count(), 31);
        let taken = vec!["Tổng hợp".to_owned()];
        assert_eq!(sheet_name("tổng hợp", 1, &taken), "tổng hợp (2)");
        let taken = vec![
            sheet_name(long, 0, &[]),
            format!(
                "{} (2)",
                long.chars().take(27).collect::<String>().trim_end()
            ),
        ];
        let third = sheet_name(long, 2, &taken);
        assert!(
            third.ends_with(" (3)") && third.chars().count() <= 31,
            "{third}"
        );
    }
}
