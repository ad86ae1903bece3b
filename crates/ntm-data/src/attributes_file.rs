//! Dated changes of units' attributes (region, commune group) as a CSV file:
//!
//! ```text
//! unit,key,value,from,source
//! 18838,commune_group,2,2026-01-01,Quyết định số …/QĐ-UBND ngày …
//! ```
//!
//! `key` is `region` (vùng) or `commune_group` (nhóm xã), Vietnamese names accepted; a
//! unit is a code meant in the year of `from`, or a full id. The file is parsed here; the
//! units are resolved and the values checked by the application.

use chrono::NaiveDate;
use ntm_core::unit::AttributeKey;

/// One change as written in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributeRow {
    /// Line in the file (the header is line 1).
    pub line: usize,
    pub unit: String,
    pub key: AttributeKey,
    pub value: String,
    pub from: NaiveDate,
    pub source: String,
}

const HEADER: [&str; 5] = ["unit", "key", "value", "from", "source"];

/// The attribute a key names, in English or Vietnamese (`region`, `vùng`, `commune_group`,
/// `nhóm xã`).
pub fn parse_key(text: &str) -> Option<AttributeKey> {
    match text.trim().to_lowercase().as_str() {
        "region" | "vung" | "vùng" => Some(AttributeKey::Region),
        "commune_group" | "nhom_xa" | "nhóm xã" => Some(AttributeKey::CommuneGroup),
        _ => None,
    }
}

/// Parses the file; every problem names its line and column, in Vietnamese.
pub fn parse_attribute_changes(text: &str) -> Result<Vec<AttributeRow>, Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .trim(csv::Trim::All)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let header: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(str::to_lowercase).collect(),
        Err(e) => return Err(vec![format!("dòng 1: {e}")]),
    };
    if header != HEADER {
        return Err(vec![format!(
            "dòng 1: tiêu đề phải là {} (có: {})",
            HEADER.join(","),
            header.join(",")
        )]);
    }
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let r = match record {
            Ok(r) => r,
            Err(e) => {
                problems.push(format!("dòng {line}: {e}"));
                continue;
            }
        };
        let Some(key) = parse_key(&r[1]) else {
            problems.push(format!(
                "dòng {line}, cột key: “{}” không phải region (vùng) hoặc commune_group (nhóm xã)",
                &r[1]
            ));
            continue;
        };
        let Ok(from) = NaiveDate::parse_from_str(&r[3], "%Y-%m-%d") else {
            problems.push(format!(
                "dòng {line}, cột from: “{}” không phải ngày dạng YYYY-MM-DD",
                &r[3]
            ));
            continue;
        };
        out.push(AttributeRow {
            line,
            unit: r[0].to_owned(),
            key,
            value: r[2].to_owned(),
            from,
            source: r[4].to_owned(),
        });
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_read_and_bad_ones_located() {
        let ok = parse_attribute_changes(
            "\u{feff}unit,key,value,from,source\n18838,nhóm xã,2,2026-01-01,QĐ 1\n18850,region,BTB,2020-01-01,318\n",
        )
        .unwrap();
        assert_eq!(ok.len(), 2);
        assert_eq!((ok[0].line, ok[0].key), (2, AttributeKey::CommuneGroup));
        let bad = parse_attribute_changes(
            "unit,key,value,from,source\n18838,group,2,2026-01-01,x\n18838,region,BTB,1/1/2026,x\n18838,region\n",
        )
        .unwrap_err();
        assert_eq!(bad.len(), 3, "{bad:?}");
        assert!(bad[0].starts_with("dòng 2, cột key"));
        assert!(bad[1].starts_with("dòng 3, cột from"));
        assert!(bad[2].starts_with("dòng 4"));
        assert!(parse_attribute_changes("ma,khoa\n").unwrap_err()[0].contains("tiêu đề phải là"));
    }
}
