//! A template written with existing values reads back as the same values; a filled
//! template and a long-format sheet read right, numbers without float noise.

use std::collections::BTreeSet;

use ntm_reports::{read_values, template};
use rust_xlsxwriter::Formula;

use crate::fixtures::{data, hand_template, long_sheet, small_spec};

fn triples(rows: &[ntm_data::values_file::ValueRow]) -> BTreeSet<(String, String, String)> {
    rows.iter()
        .map(|r| (r.unit.clone(), r.indicator.clone(), r.value.clone()))
        .collect()
}

#[test]
fn template_with_existing_values_reads_back_the_same_values() {
    let mut spec = small_spec();
    let existing = [
        ("18850", "3.1", "85.5"),
        ("18850", "17.1", "đạt"),
        ("18850", "10.1", "56.25"),
        ("18853", "3.1", "100"),
        ("18853", "17.1", "không đạt"),
        // Text in a number column stays text: the app decides it is not a number.
        ("18853", "10.1", "chưa điều tra"),
        ("18856", "3.1", "0"),
        ("18856", "10.1", "-3.75"),
        ("18856", "17.1", "85.5"),
    ];
    for (code, ind, value) in existing {
        spec.existing
            .insert((format!("{code}@2020-01-01"), ind.into()), value.into());
    }
    let bytes = template(&spec).unwrap();
    let rows = read_values(&bytes).unwrap();
    let expected: BTreeSet<_> = existing
        .iter()
        .map(|(c, i, v)| (format!("{c}@2020-01-01"), i.to_string(), v.to_string()))
        .collect();
    assert_eq!(triples(&rows), expected);
    assert!(rows.iter().all(|r| r.year == "2021" && r.note.is_none()));
    let first = &rows[0];
    assert_eq!(
        (first.line, first.place.as_str(), first.indicator.as_str()),
        (7, "trang “Số liệu”, ô D7", "3.1")
    );
    // Rows come in sheet order: by row, then by column.
    let places: Vec<_> = rows.iter().map(|r| r.place.clone()).collect();
    assert_eq!(
        places[..3],
        [
            "trang “Số liệu”, ô D7",
            "trang “Số liệu”, ô E7",
            "trang “Số liệu”, ô F7"
        ]
    );
}

#[test]
fn decimal_comma_in_existing_values_is_written_as_a_number() {
    let mut spec = small_spec();
    spec.existing
        .insert(("18850@2020-01-01".into(), "3.1".into()), "85,5".into());
    let rows = read_values(&template(&spec).unwrap()).unwrap();
    assert_eq!(rows[0].value, "85.5");
}

#[test]
fn an_empty_template_has_no_values_to_read() {
    let problems = crate::fixtures::problems(&template(&small_spec()).unwrap());
    assert_eq!(
        problems,
        ["trang “Số liệu”: chưa có ô số liệu nào được nhập"]
    );
}

#[test]
fn a_filled_template_reads_numbers_and_text_and_ignores_edited_headers() {
    let bytes = hand_template(|book| {
        let d = data(book);
        // Typed numbers, one with the noise a computation leaves.
        d.write_number(6, 3, 85.499_999_999_999_99).unwrap();
        d.write_number(7, 3, 100.0).unwrap();
        // Text: a pass value, and a number typed as text (leading apostrophe).
        d.write_string(6, 4, " đạt ").unwrap();
        d.write_string(7, 4, "12,5").unwrap();
        // A user rewrote the header text: the hidden map still says D is 3.1.
        d.write_string(5, 3, "Tưới tiêu (sửa tay)").unwrap();
        // The code and name columns are not read.
        d.write_string(6, 1, "mã sai").unwrap();
        // A blank-looking cell (a space) is empty.
        d.write_string(8, 3, " ").unwrap();
    });
    let rows = read_values(&bytes).unwrap();
    let got: Vec<_> = rows
        .iter()
        .map(|r| {
            (
                r.unit.as_str(),
                r.indicator.as_str(),
                r.value.as_str(),
                r.line,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("18850@2020-01-01", "3.1", "85.5", 7),
            ("18850@2020-01-01", "17.1", "đạt", 7),
            ("18853@2020-01-01", "3.1", "100", 8),
            ("18853@2020-01-01", "17.1", "12,5", 8),
        ]
    );
}

#[test]
fn long_format_with_vietnamese_headers_and_a_title_row() {
    let mut book = rust_xlsxwriter::Workbook::new();
    let s = book.add_worksheet();
    s.set_name("Dữ liệu").unwrap();
    s.write_string(0, 0, "SỐ LIỆU CHỈ TIÊU NĂM 2021").unwrap();
    for (c, h) in [
        "Mã đơn vị",
        "Tên đơn vị",
        "Năm",
        "Chỉ tiêu",
        "Giá trị",
        "Ghi chú",
    ]
    .iter()
    .enumerate()
    {
        s.write_string(2, c as u16, *h).unwrap();
    }
    s.write_number(3, 0, 18850.0).unwrap();
    s.write_string(3, 1, "Xã Kỳ Xuân").unwrap();
    s.write_number(3, 2, 2021.0).unwrap();
    s.write_string(3, 3, "3.1").unwrap();
    s.write_number(3, 4, 85.5).unwrap();
    s.write_string(3, 5, "đo đạc").unwrap();
    s.write_string(4, 0, "18853@2020-01-01").unwrap();
    s.write_string(4, 2, "2021").unwrap();
    s.write_string(4, 3, "17.1").unwrap();
    s.write_string(4, 4, "đạt").unwrap();
    // A formula outside the read columns does no harm.
    s.write_formula(4, 1, Formula::new("=\"Xã \"&\"Kỳ Bắc\""))
        .unwrap();
    // A row with only a name is skipped.
    s.write_string(5, 1, "Xã Kỳ Phú").unwrap();
    let rows = read_values(&book.save_to_buffer().unwrap()).unwrap();
    assert_eq!(rows.len(), 2);
    let r = &rows[0];
    assert_eq!(
        (
            r.unit.as_str(),
            r.year.as_str(),
            r.indicator.as_str(),
            r.value.as_str()
        ),
        ("18850", "2021", "3.1", "85.5")
    );
    assert_eq!(r.note.as_deref(), Some("đo đạc"));
    assert_eq!((r.line, r.place.as_str()), (4, "trang “Dữ liệu”, dòng 4"));
    assert_eq!(rows[1].note, None);
}

#[test]
fn long_format_with_english_headers_and_empty_fields() {
    let bytes = long_sheet(&[
        &["unit", "year", "indicator", "value", "note"],
        &["18850@2020-01-01", "2021", "3.1", "", ""],
    ]);
    let rows = read_values(&bytes).unwrap();
    // An empty value is the app's to judge, as in the CSV.
    assert_eq!(rows[0].value, "");
    assert_eq!(rows[0].line, 2);
}

/// A province's full template: 182 units × 80 indicators, every cell filled (half numbers,
/// half pass/fail). Prints how long reading takes; run with `--release --nocapture` for
/// the figure worth quoting.
#[test]
fn a_full_province_template_reads_every_value() {
    use ntm_reports::{TemplateIndicator, TemplateKind, TemplateSpec, TemplateUnit};
    let units: Vec<TemplateUnit> = (0..182)
        .map(|i| crate::fixtures::unit(&format!("{}", 18000 + i * 3), &format!("Xã số {i}")))
        .collect();
    let indicators: Vec<TemplateIndicator> = (0..80)
        .map(|i| {
            let kind = if i % 2 == 0 {
                crate::fixtures::percent()
            } else {
                TemplateKind::Pass
            };
            crate::fixtures::indicator(&format!("{}.{}", i / 4 + 1, i % 4 + 1), "Chỉ tiêu", kind)
        })
        .collect();
    let mut existing = std::collections::BTreeMap::new();
    for (u, unit) in units.iter().enumerate() {
        for (i, ind) in indicators.iter().enumerate() {
            let value = match ind.kind {
                TemplateKind::Pass => if (u + i) % 3 == 0 {
                    "không đạt"
                } else {
                    "đạt"
                }
                .to_owned(),
                _ => format!("{}.{}", (u * 7 + i) % 100, (u + i) % 10),
            };
            existing.insert((unit.id.clone(), ind.id.clone()), value);
        }
    }
    let spec = TemplateSpec {
        units,
        indicators,
        notes: Default::default(),
        existing: existing.clone(),
        ..crate::fixtures::small_spec()
    };
    let bytes = template(&spec).unwrap();
    let start = std::time::Instant::now();
    let rows = read_values(&bytes).unwrap();
    let elapsed = start.elapsed();
    eprintln!(
        "read_values: {} values from a {} KiB template in {elapsed:?}",
        rows.len(),
        bytes.len() / 1024
    );
    assert_eq!(rows.len(), 182 * 80);
    let expected: BTreeSet<_> = existing
        .into_iter()
        .map(|((u, i), v)| {
            // "12.0" is written as the number 12 and reads back as "12".
            let v = v.strip_suffix(".0").map(str::to_owned).unwrap_or(v);
            (u, i, v)
        })
        .collect();
    assert_eq!(triples(&rows), expected);
}
