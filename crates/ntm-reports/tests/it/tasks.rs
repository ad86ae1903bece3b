//! A directive's task list read from the office's own sheet, and from our template.

use ntm_reports::{TaskSheetRow, read_tasks, tasks_template};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

/// A sheet as an office keeps it: a title, the header on row 3 with its own wording and
/// order, a column we do not read, a real date cell and a blank line.
fn office_sheet() -> Vec<u8> {
    let mut book = Workbook::new();
    let s = book.add_worksheet();
    s.write_string(0, 0, "PHỤ LỤC: PHÂN CÔNG NHIỆM VỤ").unwrap();
    for (j, h) in [
        "STT",
        "Nội dung công việc",
        "Đơn vị chủ trì",
        "Đơn vị phối hợp",
        "Thời hạn hoàn thành",
        "Ghi chú",
        "Định kỳ",
        "Giao tất cả các xã",
    ]
    .iter()
    .enumerate()
    {
        s.write_string(2, j as u16, *h).unwrap();
    }
    let date = Format::new().set_num_format("dd/mm/yyyy");
    s.write_number(3, 0, 1).unwrap();
    s.write_string(3, 1, "Rà soát tiêu chí môi trường").unwrap();
    s.write_string(3, 2, "Sở Nông nghiệp và Môi trường")
        .unwrap();
    s.write_string(3, 3, "Sở Tài chính; Xã Kỳ Lạc").unwrap();
    s.write_datetime_with_format(3, 4, ExcelDateTime::from_ymd(2026, 12, 31).unwrap(), &date)
        .unwrap();
    s.write_string(3, 5, "không đọc").unwrap();
    s.write_number(5, 0, 2.1).unwrap();
    s.write_string(5, 1, "Báo cáo tiến độ & kết quả <quý>")
        .unwrap();
    s.write_string(5, 2, "Huyện Hương Khê").unwrap();
    s.write_string(5, 4, "31/03/2027").unwrap();
    s.write_string(5, 6, "hằng quý, ngày 15").unwrap();
    s.write_string(5, 7, "x").unwrap();
    book.save_to_buffer().unwrap()
}

#[test]
fn an_offices_own_sheet_is_read_by_its_headings() {
    let rows = read_tasks(&office_sheet()).unwrap();
    assert_eq!(
        rows,
        vec![
            TaskSheetRow {
                row: 4,
                code: "1".into(),
                text: "Rà soát tiêu chí môi trường".into(),
                lead: "Sở Nông nghiệp và Môi trường".into(),
                cooperating: "Sở Tài chính; Xã Kỳ Lạc".into(),
                deadline: "2026-12-31".into(),
                ..Default::default()
            },
            TaskSheetRow {
                row: 6,
                code: "2.1".into(),
                text: "Báo cáo tiến độ & kết quả <quý>".into(),
                lead: "Huyện Hương Khê".into(),
                deadline: "31/03/2027".into(),
                repeat: "hằng quý, ngày 15".into(),
                expand: true,
                ..Default::default()
            },
        ]
    );
}

#[test]
fn the_template_reads_back_and_says_when_it_is_empty() {
    let bytes = tasks_template().unwrap();
    let err = read_tasks(&bytes).unwrap_err();
    assert!(
        err[0].to_string().contains("không có nhiệm vụ nào"),
        "{err:?}"
    );
}

#[test]
fn what_is_not_a_task_list_is_refused_in_vietnamese() {
    let err = read_tasks(b"STT;Noi dung\n1;x").unwrap_err();
    assert!(
        err[0].to_string().contains("không phải là bảng tính"),
        "{err:?}"
    );
    let mut book = Workbook::new();
    book.add_worksheet().write_string(0, 0, "Số liệu").unwrap();
    let err = read_tasks(&book.save_to_buffer().unwrap()).unwrap_err();
    assert!(err[0].to_string().contains("Chủ trì"), "{err:?}");
}
