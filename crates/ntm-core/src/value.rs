//! Indicator values as entered: a number or a pass/fail verdict.
//!
//! Numbers are decimals, never floats, so that sums and threshold comparisons are exact.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;

/// One indicator value for one unit and year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// A measured quantity (a share in percent, an income, a count).
    Number(Decimal),
    /// A qualitative verdict: `true` is "đạt".
    Pass(bool),
}

/// Why a text could not be read as a value; the message is for users (Vietnamese).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    #[error("giá trị trống")]
    Empty,
    #[error("“{0}” không phải là số (viết số với dấu phẩy thập phân, ví dụ 85,5)")]
    NotANumber(String),
    #[error("“{0}” không phải là “đạt” hoặc “không đạt”")]
    NotAVerdict(String),
    #[error("{0} không thể âm")]
    Negative(String),
    #[error("tỷ lệ {0}% vượt quá 100%")]
    PercentAbove100(String),
    /// `1.200` is one thousand two hundred in Vietnamese writing and one point two in
    /// English: never guessed.
    #[error(
        "“{text}” đọc được hai cách: {whole} (nếu dấu “{sep}” ngăn hàng nghìn) hoặc {decimal} \
         (nếu đó là dấu thập phân); hãy viết {whole} hoặc {decimal} cho rõ"
    )]
    Ambiguous {
        text: String,
        sep: char,
        /// The reading with the separator grouping thousands, written plainly (`1200`).
        whole: String,
        /// The reading with the separator as the decimal mark, in Vietnamese writing (`1,2`).
        decimal: String,
    },
}

/// How a file writes its numbers, when it says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Convention {
    /// Not said: `85,5` and `85.5` are both read, and a number that reads differently under
    /// the two conventions (`1.200`, `1,200`) is refused.
    Either,
    /// `1.200,5`: the dot groups thousands, the comma is the decimal mark.
    Vietnamese,
    /// `1,200.5`: the comma groups thousands, the dot is the decimal mark.
    English,
}

/// Whether `t` is one separator with exactly three digits after it and a short whole part,
/// the one shape the two conventions read differently.
fn ambiguous_shape(t: &str) -> Option<(char, &str, &str)> {
    let body = t.strip_prefix('-').unwrap_or(t);
    let sep = if body.contains('.') && !body.contains(',') {
        '.'
    } else if body.contains(',') && !body.contains('.') {
        ','
    } else {
        return None;
    };
    let (whole, frac) = body.split_once(sep)?;
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    (digits(whole)
        && digits(frac)
        && frac.len() == 3
        && whole.len() <= 3
        && !whole.starts_with('0')
        && !frac.contains(sep))
    .then_some((sep, whole, frac))
}

/// Whether `text` is a number the Vietnamese and English conventions read differently
/// (`1.200`, `1,200`): what [`Value::parse_number`] refuses, and what a writer of numbers
/// must not produce.
pub fn reads_two_ways(text: &str) -> bool {
    ambiguous_shape(text.trim()).is_some()
}

/// Removes `group` separators, checking that they group by three, and makes `decimal` a dot.
fn regroup(t: &str, group: char, decimal: char) -> Option<String> {
    let (int, frac) = match t.split_once(decimal) {
        Some((i, f)) if !f.contains(decimal) && !f.contains(group) => (i, Some(f)),
        Some(_) => return None,
        None => (t, None),
    };
    let sign = if int.starts_with('-') { "-" } else { "" };
    let int = int.strip_prefix('-').unwrap_or(int);
    let parts: Vec<&str> = int.split(group).collect();
    let grouped = parts.len() == 1
        || (!parts[0].is_empty() && parts[0].len() <= 3 && parts[1..].iter().all(|p| p.len() == 3));
    if !grouped {
        return None;
    }
    let mut out = format!("{sign}{}", parts.concat());
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    Some(out)
}

impl Value {
    /// Reads a number as users type it: `85.5`, `85,5` (decimal comma) or `1200`. A number
    /// the Vietnamese and the English conventions read differently (`1.200`, `1,200`) is
    /// refused with both readings; other thousands separators are refused rather than
    /// guessed. Nothing is ever truncated or scaled.
    pub fn parse_number(text: &str) -> Result<Decimal, ValueError> {
        Self::parse_number_as(text, Convention::Either)
    }

    /// Reads a number under a declared convention (see [`Convention`]).
    pub fn parse_number_as(text: &str, convention: Convention) -> Result<Decimal, ValueError> {
        let t = text.trim();
        if t.is_empty() {
            return Err(ValueError::Empty);
        }
        let not_a_number = || ValueError::NotANumber(t.to_owned());
        let normalised = match convention {
            Convention::Vietnamese => regroup(t, '.', ',').ok_or_else(not_a_number)?,
            Convention::English => regroup(t, ',', '.').ok_or_else(not_a_number)?,
            Convention::Either => {
                if let Some((sep, whole, frac)) = ambiguous_shape(t) {
                    let sign = if t.starts_with('-') { "-" } else { "" };
                    let decimal = Decimal::from_str(&format!("{sign}{whole}.{frac}"))
                        .map_err(|_| not_a_number())?
                        .normalize()
                        .to_string()
                        .replace('.', ",");
                    return Err(ValueError::Ambiguous {
                        text: t.to_owned(),
                        sep,
                        whole: format!("{sign}{whole}{frac}"),
                        decimal,
                    });
                }
                if !t.contains('.') && t.matches(',').count() == 1 {
                    t.replace(',', ".")
                } else {
                    t.to_owned()
                }
            }
        };
        Decimal::from_str(&normalised).map_err(|_| not_a_number())
    }

    /// Reads a verdict: `đạt`/`không đạt` (with or without diacritics), `true`/`false`,
    /// `1`/`0`, `có`/`không`.
    pub fn parse_verdict(text: &str) -> Result<bool, ValueError> {
        let key = crate::text::search_key(text);
        match key.as_str() {
            "" => Err(ValueError::Empty),
            "dat" | "true" | "1" | "co" | "x" | "pass" => Ok(true),
            "khong dat" | "chua dat" | "false" | "0" | "khong" | "fail" => Ok(false),
            _ => Err(ValueError::NotAVerdict(text.trim().to_owned())),
        }
    }

    /// The canonical stored form: a plain decimal, or `đạt` / `không đạt`.
    pub fn canonical(&self) -> String {
        self.to_string()
    }

    /// Reads the canonical stored form back.
    pub fn from_canonical(text: &str) -> Result<Self, ValueError> {
        match Self::parse_verdict(text) {
            Ok(v) if !text.trim().chars().all(|c| c.is_ascii_digit()) => Ok(Value::Pass(v)),
            // The stored form is a plain decimal with a dot, written by ntm: read as such.
            _ => Decimal::from_str(text.trim())
                .map(Value::Number)
                .map_err(|_| ValueError::NotANumber(text.trim().to_owned())),
        }
    }

    pub fn as_number(&self) -> Option<Decimal> {
        match self {
            Value::Number(n) => Some(*n),
            Value::Pass(_) => None,
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Number(n) => write!(f, "{}", n.normalize()),
            Value::Pass(true) => f.write_str("đạt"),
            Value::Pass(false) => f.write_str("không đạt"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_accept_decimal_comma_and_refuse_thousands_separators() {
        assert_eq!(Value::parse_number("85,5"), Ok(Decimal::new(855, 1)));
        assert_eq!(Value::parse_number(" 85.5 "), Ok(Decimal::new(855, 1)));
        assert_eq!(Value::parse_number("1200"), Ok(Decimal::new(1200, 0)));
        assert!(matches!(
            Value::parse_number("1.200,5"),
            Err(ValueError::NotANumber(_))
        ));
        assert!(matches!(
            Value::parse_number("abc"),
            Err(ValueError::NotANumber(_))
        ));
        assert_eq!(Value::parse_number(""), Err(ValueError::Empty));
    }

    #[test]
    fn numbers_the_two_conventions_read_differently_are_refused_not_guessed() {
        use Convention::*;
        let d = |s: &str| Decimal::from_str(s).unwrap();
        // (text, convention, reading or None for refused)
        let table = [
            ("1.200", Either, None),
            ("1,200", Either, None),
            ("-1.200", Either, None),
            ("12,5", Either, Some("12.5")),
            ("1.5", Either, Some("1.5")),
            ("0.500", Either, Some("0.500")),
            ("1234.567", Either, Some("1234.567")),
            ("1.2000", Either, Some("1.2000")),
            ("1.200", Vietnamese, Some("1200")),
            ("1.200,5", Vietnamese, Some("1200.5")),
            ("12,5", Vietnamese, Some("12.5")),
            ("1.20", Vietnamese, None),
            ("1,200", English, Some("1200")),
            ("1,200.5", English, Some("1200.5")),
            ("12.5", English, Some("12.5")),
            ("1,20", English, None),
        ];
        for (text, convention, reading) in table {
            let got = Value::parse_number_as(text, convention).ok();
            assert_eq!(got, reading.map(d), "{text} as {convention:?}");
        }
        let e = Value::parse_number("1.200").unwrap_err().to_string();
        assert!(
            e.contains("1200") && e.contains("1,2 ") && e.contains("“.”"),
            "{e}"
        );
        let e = Value::parse_number("1,250").unwrap_err().to_string();
        assert!(e.contains("1250") && e.contains("1,25 "), "{e}");
        // The stored form is read as written, whatever its shape.
        assert_eq!(
            Value::from_canonical("1.200"),
            Ok(Value::Number(d("1.200")))
        );
    }

    #[test]
    fn verdicts_accept_vietnamese_words_with_or_without_marks() {
        assert_eq!(Value::parse_verdict("Đạt"), Ok(true));
        assert_eq!(Value::parse_verdict("khong dat"), Ok(false));
        assert_eq!(Value::parse_verdict("Chưa đạt"), Ok(false));
        assert!(Value::parse_verdict("maybe").is_err());
    }

    #[test]
    fn canonical_form_round_trips() {
        for v in [
            Value::Number(Decimal::new(855, 1)),
            Value::Number(Decimal::new(1, 0)),
            Value::Number(Decimal::ZERO),
            Value::Pass(true),
            Value::Pass(false),
        ] {
            assert_eq!(Value::from_canonical(&v.canonical()), Ok(v.clone()), "{v}");
        }
    }
}
