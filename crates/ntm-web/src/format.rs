//! Numbers, dates and statuses as Vietnamese readers expect them (vi-VN: decimal comma,
//! dot for thousands, dd/mm/yyyy).

use chrono::{DateTime, NaiveDate, Utc};
use ntm_core::Value;
use ntm_core::evaluation::{CriterionStatus, IndicatorStatus};
use rust_decimal::Decimal;

/// A decimal in vi-VN style.
pub fn number(d: Decimal) -> String {
    ntm_core::text::vi_number(d)
}

/// A share, rounded to two decimals, or a dash when undefined.
pub fn percent(d: Option<Decimal>) -> String {
    d.map_or_else(|| "—".into(), |d| format!("{}%", number(d.round_dp(2))))
}

pub fn date(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// A timestamp in Vietnam's time (UTC+7, no daylight saving).
pub fn datetime(t: DateTime<Utc>) -> String {
    (t + chrono::Duration::hours(7))
        .format("%d/%m/%Y %H:%M")
        .to_string()
}

/// A value with its unit.
/// A stored (canonical) value as people read it: vi-VN numbers (`40,5`), đạt / không đạt.
pub fn stored(canonical: &str) -> String {
    Value::from_canonical(canonical).map_or_else(|_| canonical.to_owned(), |v| value(&v, None))
}

pub fn value(v: &Value, unit: Option<&str>) -> String {
    match v {
        Value::Number(n) => match unit {
            Some("%") => format!("{}%", number(*n)),
            Some(u) if !u.is_empty() => format!("{} {u}", number(*n)),
            _ => number(*n),
        },
        Value::Pass(_) => v.to_string(),
    }
}

/// CSS class of an indicator status.
pub fn indicator_class(s: IndicatorStatus) -> &'static str {
    match s {
        IndicatorStatus::Met => "met",
        IndicatorStatus::Unmet => "unmet",
        IndicatorStatus::Missing => "missing",
        IndicatorStatus::Unconfigured => "unconfigured",
    }
}

/// CSS class of a level (the matrix's and the commune home's badge colours).
pub fn level_class(l: ntm_core::criteria::Level) -> &'static str {
    use ntm_core::criteria::Level;
    match l {
        Level::None => "lv-none",
        Level::Standard => "lv-standard",
        Level::Advanced => "lv-advanced",
        Level::Model => "lv-model",
    }
}

/// CSS class of a criterion status.
pub fn criterion_class(s: CriterionStatus) -> &'static str {
    match s {
        CriterionStatus::Met => "met",
        CriterionStatus::Unmet => "unmet",
        CriterionStatus::Unknown => "unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vietnamese_number_format() {
        assert_eq!(number(Decimal::new(12345678, 1)), "1.234.567,8");
        assert_eq!(number(Decimal::new(855, 1)), "85,5");
        assert_eq!(number(Decimal::from(100)), "100");
        assert_eq!(percent(Some(Decimal::new(956043, 4))), "95,6%");
        assert_eq!(percent(None), "—");
    }
}
