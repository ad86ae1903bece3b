//! OCOP support spending in Excel: the sheet an office fills (one line per payment to a
//! product) found by its header row, and the template/export that writes the same
//! headings, so a list exported, edited and imported again round-trips. Cells come back as
//! text; what they mean (which product, which category) is the app's.

use ntm_core::text::search_key;
use rust_xlsxwriter::{Format, FormatBorder, Workbook};

use crate::ReportError;
use crate::read::XlsxProblem;
use crate::tasks::rows_under_header;

/// A support line as read, cells as text; `row` as Excel numbers it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SupportSheetRow {
    pub sheet: String,
    pub row: u32,
    pub product_code: String,
    pub product_name: String,
    pub year: String,
    pub category: String,
    pub source: String,
    pub amount: String,
    pub document: String,
    pub note: String,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Field {
    ProductCode,
    ProductName,
    Year,
    Category,
    Source,
    Amount,
    Document,
    Note,
}

pub const SUPPORT_HEADINGS: [(&str, f64); 9] = [
    ("Mã sản phẩm", 12.0),
    ("Tên sản phẩm", 32.0),
    ("Năm", 8.0),
    ("Nội dung hỗ trợ", 30.0),
    ("Nguồn vốn", 20.0),
    ("Số tiền (đồng)", 16.0),
    ("Chứng từ (số quyết định)", 20.0),
    ("Ghi chú", 24.0),
    ("Chủ thể, đơn vị (để đối chiếu, không nhập)", 32.0),
];

fn field(heading: &str) -> Option<Field> {
    let key = search_key(heading);
    Some(if key.contains("ma san pham") || key == "ma sp" {
        Field::ProductCode
    } else if key.contains("ten san pham") || key == "san pham" {
        Field::ProductName
    } else if key == "nam" || key.starts_with("nam ") {
        Field::Year
    } else if key.contains("noi dung") || key.contains("hang muc") {
        Field::Category
    } else if key.contains("nguon") {
        Field::Source
    } else if key.contains("so tien") || key.contains("kinh phi") {
        Field::Amount
    } else if key.contains("chung tu") || key.contains("quyet dinh") {
        Field::Document
    } else if key.contains("ghi chu") {
        Field::Note
    } else {
        return None;
    })
}

fn accepts(fields: &[Option<Field>]) -> bool {
    let has = |f| fields.contains(&Some(f));
    (has(Field::ProductCode) || has(Field::ProductName))
        && has(Field::Year)
        && has(Field::Category)
        && has(Field::Amount)
}

/// Reads every sheet whose header row (within its first 20 rows) names a product (its
/// code or name), "Năm", "Nội dung hỗ trợ" and "Số tiền". Never panics; every problem is
/// told with its cell.
pub fn read_support(bytes: &[u8]) -> Result<Vec<SupportSheetRow>, Vec<XlsxProblem>> {
    let Some(rows) = rows_under_header(bytes, field, accepts)? else {
        return Err(vec![XlsxProblem::file(
            "không tìm thấy dòng tiêu đề có các cột “Mã sản phẩm” (hoặc “Tên sản phẩm”), “Năm”, “Nội dung hỗ trợ” và “Số tiền” trong 20 dòng đầu của một trang; hãy dùng mẫu của hệ thống",
        )]);
    };
    if rows.is_empty() {
        return Err(vec![XlsxProblem::file(
            "không có khoản hỗ trợ nào dưới dòng tiêu đề",
        )]);
    }
    Ok(rows
        .iter()
        .map(|r| SupportSheetRow {
            sheet: r.sheet.clone(),
            row: r.row,
            product_code: r.get(Field::ProductCode),
            product_name: r.get(Field::ProductName),
            year: r.get(Field::Year),
            category: r.get(Field::Category),
            source: r.get(Field::Source),
            amount: r.get(Field::Amount),
            document: r.get(Field::Document),
            note: r.get(Field::Note),
        })
        .collect())
}

/// A line of the export, its cells as shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupportLine {
    pub product_code: String,
    pub product_name: String,
    pub year: i32,
    pub category: String,
    pub source: String,
    pub amount: rust_decimal::Decimal,
    pub document: String,
    pub note: String,
    pub producer: String,
}

const GUIDE: [&str; 4] = [
    "KINH PHÍ HỖ TRỢ SẢN PHẨM OCOP",
    "Mỗi dòng một khoản hỗ trợ cho một sản phẩm. Mã sản phẩm: mã trong ntm (xem trang sản phẩm); có thể để trống nếu ghi đúng tên sản phẩm.",
    "Nội dung hỗ trợ và Nguồn vốn: chọn trong danh sách ở trang “Danh mục”. Số tiền ghi bằng đồng, không ghi đơn vị.",
    "Nhập lại cùng một khoản (cùng sản phẩm, năm, nội dung, nguồn và chứng từ) thì số tiền được thay, không cộng thêm.",
];

/// The support list as a workbook [`read_support`] reads back, with a sheet of the
/// categories and sources to choose from (empty lines give the template).
pub fn support_workbook(
    lines: &[SupportLine],
    categories: &[&str],
    sources: &[&str],
) -> Result<Vec<u8>, ReportError> {
    let mut book = Workbook::new();
    let bold = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_border(FormatBorder::Thin);
    let text = Format::new().set_num_format("@");
    let money = Format::new().set_num_format("#,##0");
    {
        let sheet = book.add_worksheet();
        sheet.set_name("Hỗ trợ")?;
        for (i, line) in GUIDE.iter().enumerate() {
            sheet.write_string(i as u32, 0, *line)?;
        }
        let head = GUIDE.len() as u32 + 1;
        for (j, (h, w)) in SUPPORT_HEADINGS.iter().enumerate() {
            sheet.write_string_with_format(head, j as u16, *h, &bold)?;
            sheet.set_column_width(j as u16, *w)?;
        }
        sheet.set_freeze_panes(head + 1, 0)?;
        sheet.set_column_format(0, &text)?;
        let last = head + 2000.max(lines.len() as u32 + 100);
        let list = |n: usize, col: &str| format!("='Danh mục'!${col}$2:${col}${}", n + 1);
        sheet.add_data_validation(
            head + 1,
            3,
            last,
            3,
            &rust_xlsxwriter::DataValidation::new()
                .allow_list_formula(list(categories.len(), "A").as_str().into()),
        )?;
        sheet.add_data_validation(
            head + 1,
            4,
            last,
            4,
            &rust_xlsxwriter::DataValidation::new()
                .allow_list_formula(list(sources.len(), "B").as_str().into()),
        )?;
        for (i, l) in lines.iter().enumerate() {
            let r = head + 1 + i as u32;
            sheet.write_string(r, 0, &l.product_code)?;
            sheet.write_string(r, 1, &l.product_name)?;
            sheet.write_number(r, 2, f64::from(l.year))?;
            sheet.write_string(r, 3, &l.category)?;
            sheet.write_string(r, 4, &l.source)?;
            if let Some(a) = rust_decimal::prelude::ToPrimitive::to_f64(&l.amount) {
                sheet.write_number_with_format(r, 5, a, &money)?;
            }
            sheet.write_string(r, 6, &l.document)?;
            sheet.write_string(r, 7, &l.note)?;
            sheet.write_string(r, 8, &l.producer)?;
        }
    }
    {
        let sheet = book.add_worksheet();
        sheet.set_name("Danh mục")?;
        sheet.write_string_with_format(0, 0, "Nội dung hỗ trợ", &bold)?;
        sheet.write_string_with_format(0, 1, "Nguồn vốn", &bold)?;
        sheet.set_column_width(0, 44.0)?;
        sheet.set_column_width(1, 28.0)?;
        for (i, c) in categories.iter().enumerate() {
            sheet.write_string(i as u32 + 1, 0, *c)?;
        }
        for (i, s) in sources.iter().enumerate() {
            sheet.write_string(i as u32 + 1, 1, *s)?;
        }
    }
    Ok(book.save_to_buffer()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_exported_list_reads_back() {
        let lines = vec![SupportLine {
            product_code: "12".into(),
            product_name: "Chè xanh".into(),
            year: 2025,
            category: "Bộ nhận diện, bao bì, nhãn mác".into(),
            source: "Ngân sách tỉnh".into(),
            amount: "60000000".parse().unwrap(),
            document: "QĐ 5/QĐ-UBND".into(),
            note: String::new(),
            producer: "HTX".into(),
        }];
        let bytes = support_workbook(
            &lines,
            &["Bộ nhận diện, bao bì, nhãn mác"],
            &["Ngân sách tỉnh"],
        )
        .unwrap();
        let read = read_support(&bytes).unwrap();
        assert_eq!(read.len(), 1);
        let r = &read[0];
        assert_eq!(
            (r.product_code.as_str(), r.year.as_str(), r.amount.as_str()),
            ("12", "2025", "60000000")
        );
        assert_eq!(r.category, "Bộ nhận diện, bao bì, nhãn mác");
        assert_eq!(r.row, 7);
        let empty = support_workbook(&[], &[], &[]).unwrap();
        assert!(
            read_support(&empty).unwrap_err()[0]
                .message
                .contains("không có khoản")
        );
        assert!(read_support(b"not a workbook").is_err());
    }
}
