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
    #[error("“{0}” không phải là số (dùng dấu chấm hoặc dấu phẩy thập phân, ví dụ 85.5)")]
    NotANumber(String),
    #[error("“{0}” không phải là “đạt” hoặc “không đạt”")]
    NotAVerdict(String),
    #[error("{0} không thể âm")]
    Negative(String),
    #[error("tỷ lệ {0}% vượt quá 100%")]
    PercentAbove100(String),
}

impl Value {
    /// Reads a number as users type it: `85.5`, `85,5` (decimal comma) or `1200`.
    /// Thousands separators are refused rather than guessed.
    pub fn parse_number(text: &str) -> Result<Decimal, ValueError> {
        let t = text.trim();
        if t.is_empty() {
            return Err(ValueError::Empty);
        }
        let normalised = if !t.contains('.') && t.matches(',').count() == 1 {
            t.replace(',', ".")
        } else {
            t.to_owned()
        };
        Decimal::from_str(&normalised).map_err(|_| ValueError::NotANumber(t.to_owned()))
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
            _ => Self::parse_number(text).map(Value::Number),
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
