//! Mobilised funds in Excel: the sheet a commune or the office fills (one line per unit,
//! year, source and purpose) found by its header row, and the template/export that writes
//! the same headings, so a list exported, edited and imported again round-trips. Cells
//! come back as text; what they mean (which unit in which year, which source) is the app's.

use ntm_core::text::search_key;
use rust_xlsxwriter::{DataValidation, Format, FormatBorder, Workbook};

use crate::ReportError;
use crate::read::XlsxProblem;
use crate::tasks::rows_under_header;

/// A fund line as read, cells as text; `row` as Excel numbers it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FundSheetRow {
    pub sheet: String,
    pub row: u32,
    pub unit_code: String,
    pub unit_name: String,
    pub year: String,
    pub source: String,
    pub criterion: String,
    pub work: String,
    pub planned: String,
    pub actual: String,
    pub document: String,
    pub note: String,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Field {
    UnitCode,
    UnitName,
    Year,
    Source,
    Criterion,
    Work,
    Planned,
    Actual,
    Document,
    Note,
}

pub const FUND_HEADINGS: [(&str, f64); 10] = [
    ("Mã đơn vị", 11.0),
    ("Tên đơn vị (để đối chiếu)", 26.0),
    ("Năm", 7.0),
    ("Nguồn vốn", 40.0),
    ("Tiêu chí (số)", 9.0),
    ("Nội dung, công trình", 32.0),
    ("Kế hoạch (đồng)", 17.0),
    ("Thực hiện (đồng)", 17.0),
    ("Căn cứ (văn bản, báo cáo)", 22.0),
    ("Ghi chú", 20.0),
];

fn field(heading: &str) -> Option<Field> {
    let key = search_key(heading);
    Some(
        if key.contains("ma don vi") || key == "ma dvhc" || key == "ma xa" {
            Field::UnitCode
        } else if key.contains("ten don vi") || key == "don vi" || key == "xa" {
            Field::UnitName
        } else if key == "nam" || key.starts_with("nam ") {
            Field::Year
        } else if key.contains("nguon") {
            Field::Source
        } else if key.starts_with("tieu chi") {
            Field::Criterion
        } else if key.contains("noi dung") || key.contains("cong trinh") {
            Field::Work
        } else if key.contains("ke hoach") {
            Field::Planned
        } else if key.contains("thuc hien") {
            Field::Actual
        } else if key.contains("can cu") || key.contains("van ban") || key.contains("chung tu") {
            Field::Document
        } else if key.contains("ghi chu") {
            Field::Note
        } else {
            return None;
        },
    )
}

fn accepts(fields: &[Option<Field>]) -> bool {
    let has = |f| fields.contains(&Some(f));
    has(Field::UnitCode)
        && has(Field::Year)
        && has(Field::Source)
        && (has(Field::Planned) || has(Field::Actual))
}

/// Reads every sheet whose header row (within its first 20 rows) names "Mã đơn vị",
/// "Năm", "Nguồn vốn" and "Kế hoạch" or "Thực hiện". Never panics; every problem is told
/// with its cell.
pub fn read_funds(bytes: &[u8]) -> Result<Vec<FundSheetRow>, Vec<XlsxProblem>> {
    let Some(rows) = rows_under_header(bytes, field, accepts)? else {
        return Err(vec![XlsxProblem::file(
            "không tìm thấy dòng tiêu đề có các cột “Mã đơn vị”, “Năm”, “Nguồn vốn” và “Kế hoạch” hoặc “Thực hiện” trong 20 dòng đầu của một trang; hãy dùng mẫu của hệ thống",
        )]);
    };
    if rows.is_empty() {
        return Err(vec![XlsxProblem::file(
            "không có khoản huy động nào dưới dòng tiêu đề",
        )]);
    }
    Ok(rows
        .iter()
        .map(|r| FundSheetRow {
            sheet: r.sheet.clone(),
            row: r.row,
            unit_code: r.get(Field::UnitCode),
            unit_name: r.get(Field::UnitName),
            year: r.get(Field::Year),
            source: r.get(Field::Source),
            criterion: r.get(Field::Criterion),
            work: r.get(Field::Work),
            planned: r.get(Field::Planned),
            actual: r.get(Field::Actual),
            document: r.get(Field::Document),
            note: r.get(Field::Note),
        })
        .collect())
}

/// A line of the export, its cells as shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundExportLine {
    pub unit_code: String,
    pub unit_name: String,
    pub year: i32,
    pub source: String,
    pub criterion: String,
    pub work: String,
    pub planned: rust_decimal::Decimal,
    pub actual: rust_decimal::Decimal,
    pub document: String,
    pub note: String,
}

const GUIDE: [&str; 4] = [
    "NGUỒN LỰC HUY ĐỘNG XÂY DỰNG NÔNG THÔN MỚI",
    "Mỗi dòng một khoản: đơn vị (mã đơn vị hành chính của năm đó), năm, nguồn vốn, tiêu chí phục vụ (số tiêu chí, có thể để trống) và nội dung hoặc công trình.",
    "Nguồn vốn chọn trong danh sách ở trang “Danh mục”. Số tiền ghi bằng đồng, không ghi đơn vị; ngày công, đất, hiện vật ghi giá trị quy đổi.",
    "Nhập lại cùng một khoản (cùng đơn vị, năm, nguồn, tiêu chí và nội dung) thì số liệu được thay, không cộng thêm.",
];

/// The funds as a workbook [`read_funds`] reads back, with a sheet of the sources to
/// choose from (empty lines give the template).
pub fn funds_workbook(lines: &[FundExportLine], sources: &[&str]) -> Result<Vec<u8>, ReportError> {
    let mut book = Workbook::new();
    let bold = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_border(FormatBorder::Thin);
    let text = Format::new().set_num_format("@");
    let money = Format::new().set_num_format("#,##0");
    {
        let sheet = book.add_worksheet();
        sheet.set_name("Nguồn lực")?;
        for (i, line) in GUIDE.iter().enumerate() {
            sheet.write_string(i as u32, 0, *line)?;
        }
        let head = GUIDE.len() as u32 + 1;
        for (j, (h, w)) in FUND_HEADINGS.iter().enumerate() {
            sheet.write_string_with_format(head, j as u16, *h, &bold)?;
            sheet.set_column_width(j as u16, *w)?;
        }
        sheet.set_freeze_panes(head + 1, 0)?;
        sheet.set_column_format(0, &text)?;
        sheet.set_column_format(4, &text)?;
        let last = head + 2000.max(lines.len() as u32 + 100);
        sheet.add_data_validation(
            head + 1,
            3,
            last,
            3,
            &DataValidation::new().allow_list_formula(
                format!("='Danh mục'!$A$2:$A${}", sources.len() + 1)
                    .as_str()
                    .into(),
            ),
        )?;
        for (i, l) in lines.iter().enumerate() {
            let r = head + 1 + i as u32;
            sheet.write_string(r, 0, &l.unit_code)?;
            sheet.write_string(r, 1, &l.unit_name)?;
            sheet.write_number(r, 2, f64::from(l.year))?;
            sheet.write_string(r, 3, &l.source)?;
            sheet.write_string(r, 4, &l.criterion)?;
            sheet.write_string(r, 5, &l.work)?;
            for (c, v) in [(6, l.planned), (7, l.actual)] {
                if let Some(a) = rust_decimal::prelude::ToPrimitive::to_f64(&v) {
                    sheet.write_number_with_format(r, c, a, &money)?;
                }
            }
            sheet.write_string(r, 8, &l.document)?;
            sheet.write_string(r, 9, &l.note)?;
        }
    }
    {
        let sheet = book.add_worksheet();
        sheet.set_name("Danh mục")?;
        sheet.write_string_with_format(0, 0, "Nguồn vốn", &bold)?;
        sheet.set_column_width(0, 56.0)?;
        for (i, s) in sources.iter().enumerate() {
            sheet.write_string(i as u32 + 1, 0, *s)?;
        }
    }
    Ok(book.save_to_buffer()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_exported_list_reads_back() {
        let lines = vec![FundExportLine {
            unit_code: "18556".into(),
            unit_name: "Xã Hương Lâm".into(),
            year: 2022,
            source: "Ngân sách tỉnh".into(),
            criterion: "2".into(),
            work: "Đường trục thôn".into(),
            planned: "1200000000".parse().unwrap(),
            actual: "1150000000".parse().unwrap(),
            document: "BC 12/BC-UBND".into(),
            note: String::new(),
        }];
        let bytes = funds_workbook(&lines, &["Ngân sách tỉnh"]).unwrap();
        let read = read_funds(&bytes).unwrap();
        assert_eq!(read.len(), 1);
        let r = &read[0];
        assert_eq!(
            (
                r.unit_code.as_str(),
                r.year.as_str(),
                r.criterion.as_str(),
                r.planned.as_str(),
                r.actual.as_str()
            ),
            ("18556", "2022", "2", "1200000000", "1150000000")
        );
        assert_eq!(
            (r.source.as_str(), r.work.as_str()),
            ("Ngân sách tỉnh", "Đường trục thôn")
        );
        assert_eq!(r.row, 7);
        let empty = funds_workbook(&[], &[]).unwrap();
        assert!(
            read_funds(&empty).unwrap_err()[0]
                .message
                .contains("không có khoản")
        );
        assert!(read_funds(b"PK\x03\x04 not a workbook").is_err());
    }
}
