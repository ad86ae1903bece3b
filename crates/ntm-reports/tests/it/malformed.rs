//! Each malformed file is refused with the message a user can act on, every problem at
//! once.

use ntm_reports::{XlsxProblem, read_values, template};
use rust_xlsxwriter::{Format, Formula, Workbook};

use crate::fixtures::{data, hand_template, long_sheet, problems, small_spec};

const NOT_XLSX: &str = "tệp không phải là bảng tính Excel .xlsx";
const PROTECTED: &str =
    "tệp có mật khẩu hoặc là định dạng .xls cũ; hãy bỏ mật khẩu và lưu lại dạng .xlsx";

#[test]
fn files_that_are_not_xlsx() {
    let csv = "unit,year,indicator,value\n18850,2021,3.1,85.5\n".as_bytes();
    let pdf = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n";
    let random: Vec<u8> = (0u32..4096)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let zip_prefix_only = b"PK\x03\x04garbage that is no zip at all";
    let empty_zip = b"PK\x05\x06\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0";
    for bytes in [
        csv,
        &pdf[..],
        &random,
        &zip_prefix_only[..],
        &empty_zip[..],
        b"",
    ] {
        assert_eq!(problems(bytes), [NOT_XLSX]);
    }
}

#[test]
fn a_truncated_xlsx_is_refused() {
    let bytes = template(&small_spec()).unwrap();
    for cut in [10, bytes.len() / 2, bytes.len() - 10] {
        let p = problems(&bytes[..cut]);
        assert_eq!(p.len(), 1, "{p:?}");
    }
}

#[test]
fn legacy_xls_and_password_protected_files() {
    let mut ole = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    ole.resize(4096, 0);
    assert_eq!(problems(&ole), [PROTECTED]);
}

#[test]
fn an_empty_workbook() {
    let mut book = Workbook::new();
    book.add_worksheet();
    let bytes = book.save_to_buffer().unwrap();
    assert_eq!(
        problems(&bytes),
        ["bảng tính trống: không trang nào có số liệu"]
    );
}

#[test]
fn a_formula_in_a_value_cell() {
    let bytes = hand_template(|book| {
        let d = data(book);
        d.write_formula(6, 3, Formula::new("=40+45.5").set_result("85.5"))
            .unwrap();
        d.write_number(7, 3, 90.0).unwrap();
    });
    let p = read_values(&bytes).unwrap_err();
    assert_eq!(
        p,
        [XlsxProblem {
            sheet: Some("Số liệu".into()),
            cell: Some("D7".into()),
            message: "chứa công thức; hãy dán giá trị (Paste Values)".into(),
        }]
    );
    assert_eq!(
        p[0].to_string(),
        "trang “Số liệu”, ô D7: chứa công thức; hãy dán giá trị (Paste Values)"
    );
}

#[test]
fn merged_cells_in_the_data_area() {
    let bytes = hand_template(|book| {
        let d = data(book);
        d.merge_range(6, 3, 6, 4, "85", &Format::new()).unwrap();
        // Merged title cells above the header are fine.
        d.merge_range(0, 0, 0, 4, "BIỂU NHẬP SỐ LIỆU", &Format::new())
            .unwrap();
    });
    assert_eq!(
        problems(&bytes),
        ["trang “Số liệu”, ô D7:E7: các ô bị gộp; hãy bỏ gộp ô"]
    );
}

#[test]
fn an_extra_sheet_holding_data() {
    let bytes = hand_template(|book| {
        data(book).write_number(6, 3, 85.0).unwrap();
        let extra = book.add_worksheet();
        extra.set_name("Sheet2").unwrap();
        extra.write_number(0, 0, 1.0).unwrap();
        // An empty extra sheet is harmless.
        book.add_worksheet().set_name("Sheet3").unwrap();
    });
    assert_eq!(
        problems(&bytes),
        [
            "trang “Sheet2”: không thuộc mẫu; hãy xóa trang này hoặc chuyển số liệu vào trang “Số liệu”"
        ]
    );
}

#[test]
fn a_row_whose_unit_id_was_cleared() {
    let bytes = hand_template(|book| {
        let d = data(book);
        d.write_number(8, 3, 70.0).unwrap(); // row 9 has no id
        d.write_number(6, 3, 85.0).unwrap();
    });
    let p = problems(&bytes);
    assert_eq!(p.len(), 1);
    assert!(
        p[0].starts_with("trang “Số liệu”, ô A9: dòng có số liệu nhưng ô “Mã định danh” trống"),
        "{p:?}"
    );
}

#[test]
fn values_outside_the_indicator_columns_and_odd_cell_types() {
    let bytes = hand_template(|book| {
        let d = data(book);
        d.write_number(6, 3, 85.0).unwrap();
        d.write_string(6, 7, "ghi chú riêng").unwrap(); // H7: not an indicator column
        d.write_boolean(7, 3, true).unwrap();
        // What Excel makes of "1/5" typed in a cell: a date.
        d.write_datetime_with_format(
            7,
            4,
            rust_xlsxwriter::ExcelDateTime::from_ymd(2021, 5, 1).unwrap(),
            &Format::new().set_num_format("dd/mm/yyyy"),
        )
        .unwrap();
    });
    let p = problems(&bytes);
    assert_eq!(p.len(), 3, "{p:?}");
    assert!(p[0].starts_with("trang “Số liệu”, ô H7: ô nằm ngoài các cột chỉ tiêu"));
    assert!(p[1].starts_with("trang “Số liệu”, ô D8: chứa giá trị logic TRUE"));
    assert!(p[2].starts_with("trang “Số liệu”, ô E8: chứa ngày tháng"));
}

#[test]
fn a_shifted_column_is_caught_by_its_header() {
    // Someone unprotected the sheet and swapped D and E: the headers show the other ids.
    let bytes = hand_template(|book| {
        let d = data(book);
        d.write_string(5, 3, "17.1 Nước sạch").unwrap();
        d.write_string(5, 4, "3.1 Tỷ lệ…").unwrap();
        d.write_number(6, 3, 85.0).unwrap();
    });
    let p = problems(&bytes);
    assert_eq!(p.len(), 2, "{p:?}");
    assert!(p[0].starts_with("trang “Số liệu”, ô D6: tiêu đề cột là chỉ tiêu 17.1"));
}

#[test]
fn every_problem_is_reported_at_once() {
    let bytes = hand_template(|book| {
        let d = data(book);
        d.write_formula(6, 3, Formula::new("=1+1")).unwrap();
        d.merge_range(7, 3, 8, 3, "", &Format::new()).unwrap();
        book.add_worksheet().write_string(3, 3, "nháp").unwrap();
    });
    let p = problems(&bytes);
    assert_eq!(p.len(), 3, "{p:?}");
}

#[test]
fn a_modified_hidden_sheet() {
    let mut book = Workbook::new();
    book.add_worksheet()
        .set_name("Số liệu")
        .unwrap()
        .write_number(6, 3, 1.0)
        .unwrap();
    let meta = book.add_worksheet();
    meta.set_name("ntm").unwrap();
    meta.write_string(0, 0, "format").unwrap();
    meta.write_string(0, 1, "ntm-template-9").unwrap();
    let p = problems(&book.save_to_buffer().unwrap());
    assert!(
        p[0].contains("ntm-template-9") && p[0].contains("tải mẫu mới"),
        "{p:?}"
    );
}

#[test]
fn long_format_missing_a_column_or_rows() {
    let bytes = long_sheet(&[&["unit", "year", "indicator"], &["18850", "2021", "3.1"]]);
    assert_eq!(
        problems(&bytes),
        ["trang “Sheet1”: dòng tiêu đề (dòng 1) thiếu cột: value (gia_tri)"]
    );
    let bytes = long_sheet(&[&["a", "b"], &["1", "2"]]);
    assert!(problems(&bytes)[0].contains("không tìm thấy dòng tiêu đề"));
    let bytes = long_sheet(&[&["unit", "year", "indicator", "value"]]);
    assert_eq!(
        problems(&bytes),
        ["trang “Sheet1”: không có dòng số liệu nào"]
    );
}

#[test]
fn long_format_with_a_formula_and_a_second_data_sheet() {
    let mut book = Workbook::new();
    let s = book.add_worksheet();
    for (c, h) in ["unit", "year", "indicator", "value"].iter().enumerate() {
        s.write_string(0, c as u16, *h).unwrap();
    }
    s.write_string(1, 0, "18850").unwrap();
    s.write_number(1, 1, 2021.0).unwrap();
    s.write_string(1, 2, "3.1").unwrap();
    s.write_formula(1, 3, Formula::new("=A1")).unwrap();
    book.add_worksheet().write_string(0, 0, "khác").unwrap();
    let p = problems(&book.save_to_buffer().unwrap());
    assert_eq!(
        p,
        [
            "trang “Sheet2”: không thuộc mẫu; hãy xóa trang này hoặc chuyển số liệu vào trang “Sheet1”",
            "trang “Sheet1”, ô D2: chứa công thức; hãy dán giá trị (Paste Values)",
        ]
    );
}
