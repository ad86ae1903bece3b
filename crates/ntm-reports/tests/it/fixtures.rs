//! Specs and hand-built workbooks shared by the tests.

use std::collections::BTreeMap;

use ntm_reports::{TemplateIndicator, TemplateKind, TemplateSpec, TemplateUnit};
use rust_decimal::Decimal;
use rust_xlsxwriter::{Workbook, Worksheet};

pub fn indicator(id: &str, name: &str, kind: TemplateKind) -> TemplateIndicator {
    TemplateIndicator {
        id: id.into(),
        name: name.into(),
        unit: match kind {
            TemplateKind::Number { max: Some(_), .. } => Some("%".into()),
            _ => None,
        },
        requirement: match kind {
            TemplateKind::Pass => "đạt".into(),
            _ => "≥ 80%".into(),
        },
        kind,
    }
}

pub fn percent() -> TemplateKind {
    TemplateKind::Number {
        min: Some(Decimal::ZERO),
        max: Some(Decimal::ONE_HUNDRED),
    }
}

pub fn unit(code: &str, name: &str) -> TemplateUnit {
    TemplateUnit {
        id: format!("{code}@2020-01-01"),
        code: code.into(),
        name: name.into(),
    }
}

/// Three communes of Kỳ Anh, three indicators: a percentage, a pass/fail, an unbounded
/// number.
pub fn small_spec() -> TemplateSpec {
    TemplateSpec {
        year: 2021,
        set_id: "xa-ntm-2021-2025".into(),
        set_title: "Bộ tiêu chí quốc gia về xã nông thôn mới giai đoạn 2021-2025".into(),
        illustrative: true,
        scope_title: "Huyện Kỳ Anh".into(),
        units: vec![
            unit("18850", "Xã Kỳ Xuân"),
            unit("18853", "Xã Kỳ Bắc"),
            unit("18856", "Xã Kỳ Phú"),
        ],
        indicators: vec![
            indicator(
                "3.1",
                "Tỷ lệ diện tích đất sản xuất nông nghiệp được tưới và tiêu nước chủ động",
                percent(),
            ),
            indicator(
                "17.1",
                "Tỷ lệ hộ được sử dụng nước sạch",
                TemplateKind::Pass,
            ),
            TemplateIndicator {
                unit: Some("triệu đồng/người/năm".into()),
                requirement: "chưa cấu hình ngưỡng".into(),
                ..indicator(
                    "10.1",
                    "Thu nhập bình quân đầu người",
                    TemplateKind::Number {
                        min: None,
                        max: None,
                    },
                )
            },
        ],
        notes: Default::default(),
        existing: BTreeMap::new(),
    }
}

/// The hidden sheet of a template, written by hand so that the tests can build filled
/// workbooks cell by cell (rust_xlsxwriter cannot edit the bytes `template` gives).
pub fn write_meta(sheet: &mut Worksheet, year: &str, columns: &[(&str, &str)]) {
    sheet.set_name("ntm").unwrap();
    let keys = [
        ("format", "ntm-template-1"),
        ("year", year),
        ("set_id", "xa-ntm-2021-2025"),
        ("data_sheet", "Số liệu"),
        ("header_row", "6"),
    ];
    let mut r = 0;
    for (k, v) in keys {
        sheet.write_string(r, 0, k).unwrap();
        sheet.write_string(r, 1, v).unwrap();
        r += 1;
    }
    for (letters, id) in columns {
        sheet.write_string(r, 0, "column").unwrap();
        sheet.write_string(r, 1, *letters).unwrap();
        sheet.write_string(r, 2, *id).unwrap();
        r += 1;
    }
    sheet.set_hidden(true);
}

/// A "filled template" built by hand: the data sheet's header row 6 and unit rows 7 and 8
/// (ids in column A), columns D and E mapped to 3.1 and 17.1; `fill` writes the rest.
pub fn hand_template(fill: impl FnOnce(&mut Workbook)) -> Vec<u8> {
    let mut book = Workbook::new();
    let data = book.add_worksheet();
    data.set_name("Số liệu").unwrap();
    data.write_string(0, 0, "BIỂU NHẬP SỐ LIỆU").unwrap();
    for (c, h) in [
        "Mã định danh",
        "Mã ĐVHC",
        "Tên đơn vị",
        "3.1 Tỷ lệ…\n≥ 80%",
        "17.1 Nước sạch\nđạt",
    ]
    .iter()
    .enumerate()
    {
        data.write_string(5, c as u16, *h).unwrap();
    }
    data.write_string(6, 0, "18850@2020-01-01").unwrap();
    data.write_string(6, 2, "Xã Kỳ Xuân").unwrap();
    data.write_string(7, 0, "18853@2020-01-01").unwrap();
    data.write_string(7, 2, "Xã Kỳ Bắc").unwrap();
    let guide = book.add_worksheet();
    guide.set_name("Hướng dẫn").unwrap();
    guide.write_string(0, 0, "HƯỚNG DẪN").unwrap();
    write_meta(book.add_worksheet(), "2021", &[("D", "3.1"), ("E", "17.1")]);
    fill(&mut book);
    book.save_to_buffer().unwrap()
}

/// The data sheet of a workbook built by `hand_template`.
pub fn data(book: &mut Workbook) -> &mut Worksheet {
    book.worksheet_from_name("Số liệu").unwrap()
}

/// A long-format workbook: one sheet, the given rows of text.
pub fn long_sheet(rows: &[&[&str]]) -> Vec<u8> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, text) in row.iter().enumerate() {
            if !text.is_empty() {
                sheet.write_string(r as u32, c as u16, *text).unwrap();
            }
        }
    }
    book.save_to_buffer().unwrap()
}

/// The problems of a refused workbook, as users read them.
pub fn problems(bytes: &[u8]) -> Vec<String> {
    match ntm_reports::read_values(bytes) {
        Ok(rows) => panic!("expected problems, read {} rows", rows.len()),
        Err(p) => p.iter().map(ToString::to_string).collect(),
    }
}
