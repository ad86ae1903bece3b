//! Unit codes as boundary files write them. GIS exports name the code property in many
//! ways and often store it as a number, which loses the leading zeros of codes such as
//! Hà Nội's 00001; the match key below makes "00436", "436" and 436 the same unit.

use serde_json::{Map, Value};

/// Properties tried in order for a feature's code when the caller names none; then the
/// feature's own `id`.
pub const CODE_PROPERTIES: [&str; 8] = [
    "ma", "code", "ma_xa", "MA_XA", "maXa", "ma_dvhc", "MaDVHC", "id",
];

/// Properties tried in order for a feature's name (shown for unmatched features).
pub const NAME_PROPERTIES: [&str; 10] = [
    "ten", "name", "ten_xa", "TEN_XA", "tenXa", "ten_dvhc", "TenDVHC", "Ten", "NAME", "Name",
];

/// Commune codes have five digits; a code stored as a number is padded back to them.
const COMMUNE_DIGITS: usize = 5;

/// A code from a JSON value: a string trimmed (a spreadsheet's "18073.0" read as 18073), a
/// non-negative whole number as digits padded to five. Anything else is no code.
pub(crate) fn from_value(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => {
            let s = s.trim();
            let s = match s.strip_suffix(".0") {
                Some(d) if is_digits(d) => d,
                _ => s,
            };
            (!s.is_empty()).then(|| s.to_owned())
        }
        Value::Number(n) => {
            let whole = n.as_u64().or_else(|| {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f < 1e15)
                    .map(|f| f as u64)
            })?;
            Some(format!("{whole:0COMMUNE_DIGITS$}"))
        }
        _ => None,
    }
}

/// The feature's code: the named property, or the first usable of `CODE_PROPERTIES`,
/// then the feature's `id`.
pub(crate) fn of_feature(
    props: Option<&Map<String, Value>>,
    feature_id: Option<&Value>,
    property: Option<&str>,
) -> Option<String> {
    let get = |k: &str| props.and_then(|p| p.get(k)).and_then(from_value);
    match property {
        Some(p) => get(p),
        None => CODE_PROPERTIES
            .iter()
            .find_map(|k| get(k))
            .or_else(|| feature_id.and_then(from_value)),
    }
}

pub(crate) fn name_of_feature(props: Option<&Map<String, Value>>) -> Option<String> {
    let props = props?;
    NAME_PROPERTIES.iter().find_map(|k| match props.get(*k) {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        _ => None,
    })
}

/// What two codes are compared on: digits without their leading zeros, anything else as
/// written.
pub(crate) fn key(code: &str) -> String {
    let c = code.trim();
    if is_digits(c) {
        let t = c.trim_start_matches('0');
        if t.is_empty() {
            "0".to_owned()
        } else {
            t.to_owned()
        }
    } else {
        c.to_owned()
    }
}

fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn codes_from_values() {
        let cases = [
            (json!("18073"), Some("18073")),
            (json!(" 18073 "), Some("18073")),
            (json!("18073.0"), Some("18073")),
            (json!("00001"), Some("00001")),
            (json!(18073), Some("18073")),
            (json!(1), Some("00001")),
            (json!(436), Some("00436")),
            (json!(18073.0), Some("18073")),
            (json!(18073.5), None),
            (json!(-3), None),
            (json!(""), None),
            (json!(null), None),
            (json!(true), None),
            (json!([1]), None),
            (json!("VN-42"), Some("VN-42")),
        ];
        for (v, want) in cases {
            assert_eq!(from_value(&v).as_deref(), want, "{v}");
        }
    }

    #[test]
    fn keys_ignore_leading_zeros_of_digit_codes_only() {
        for (a, b, same) in [
            ("00436", "436", true),
            ("18073", "18073", true),
            ("0", "000", true),
            ("18073", "18074", false),
            ("VN-042", "VN-42", false),
        ] {
            assert_eq!(key(a) == key(b), same, "{a} {b}");
        }
    }

    #[test]
    fn the_first_common_property_wins_then_the_feature_id() {
        let props = json!({"id": 7, "MA_XA": "18073", "ten_xa": "Thành Sen"});
        let p = props.as_object();
        assert_eq!(of_feature(p, None, None).as_deref(), Some("18073"));
        assert_eq!(of_feature(p, None, Some("id")).as_deref(), Some("00007"));
        assert_eq!(of_feature(p, None, Some("nope")), None);
        assert_eq!(
            of_feature(None, Some(&json!("18100")), None).as_deref(),
            Some("18100")
        );
        assert_eq!(name_of_feature(p).as_deref(), Some("Thành Sen"));
    }
}
