//! The mandatory conditions (tiêu chí bắt buộc) of the OCOP score sheets, as CSV: the
//! annexes of 148/2023 were not available to ntm, so the office loads them from the text
//! it holds, one row per condition:
//!
//! ```text
//! rule_set,product_set,stars,code,text,source
//! 148-1489,I.3.b,3,C3.1,Có công bố tiêu chuẩn sản phẩm,QĐ 148/QĐ-TTg Phụ lục III
//! ```
//!
//! `rule_set` is `1048`, `148` or `148-1489`; `product_set` a 148 set code or `*` (every
//! set); a condition with `stars` s is required for every rank from s up.

use ntm_core::ocop::{Condition, RuleSet, product_set};

const HEADER: [&str; 6] = ["rule_set", "product_set", "stars", "code", "text", "source"];

/// Parses the file; every problem names its line and column, in Vietnamese.
pub fn parse_conditions(text: &str) -> Result<Vec<Condition>, Vec<String>> {
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
    let mut out: Vec<Condition> = Vec::new();
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
        let rule = RuleSet::parse(&r[0]);
        if rule.is_none() {
            problems.push(format!(
                "dòng {line}, cột rule_set: “{}” không phải 1048, 148 hoặc 148-1489",
                &r[0]
            ));
        }
        if r[1] != *"*" && product_set(&r[1]).is_none() {
            problems.push(format!(
                "dòng {line}, cột product_set: “{}” không phải bộ sản phẩm của QĐ 148 (hoặc *)",
                &r[1]
            ));
        }
        let stars = r[2].parse::<u8>().ok().filter(|s| (1..=5).contains(s));
        if stars.is_none() {
            problems.push(format!(
                "dòng {line}, cột stars: “{}” không phải số sao từ 1 đến 5",
                &r[2]
            ));
        }
        if r[3].is_empty() || r[4].is_empty() || r[5].is_empty() {
            problems.push(format!(
                "dòng {line}: thiếu mã, nội dung hoặc nguồn (văn bản, phụ lục) của tiêu chí"
            ));
        }
        if let (Some(rule_set), Some(stars)) = (rule, stars) {
            if out
                .iter()
                .any(|c| c.rule_set == rule_set && c.product_set == r[1] && c.code == r[3])
            {
                problems.push(format!("dòng {line}: mã {} có hai dòng", &r[3]));
            }
            out.push(Condition {
                rule_set,
                product_set: r[1].to_owned(),
                stars,
                code: r[3].to_owned(),
                text: r[4].to_owned(),
                source: r[5].to_owned(),
            });
        }
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
        let ok = parse_conditions(
            "\u{feff}rule_set,product_set,stars,code,text,source\n148-1489,I.3.b,3,C3.1,Có công bố,QĐ 148 PL III\n148,*,4,X,Chung,QĐ 148\n",
        )
        .unwrap();
        assert_eq!(ok.len(), 2);
        assert_eq!((ok[0].rule_set, ok[0].stars), (RuleSet::Qd148Amended, 3));
        assert_eq!(ok[1].product_set, "*");
        let bad = parse_conditions(
            "rule_set,product_set,stars,code,text,source\n2026,I.3.b,3,A,x,y\n148,Z.9,6,B,x,y\n148,I.1.a,3,,x,y\n148,I.1.a,3,C,x,y\n148,I.1.a,3,C,x,y\n",
        )
        .unwrap_err();
        assert_eq!(bad.len(), 5, "{bad:?}");
        assert!(bad[0].starts_with("dòng 2, cột rule_set"), "{bad:?}");
        assert!(
            bad.iter()
                .any(|p| p.starts_with("dòng 6") && p.contains("hai dòng"))
        );
        assert!(parse_conditions("a,b\n1,2\n").is_err());
    }
}
