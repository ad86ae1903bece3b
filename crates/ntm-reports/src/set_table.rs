//! A criteria set as a table laid out like a decision's annex (Phụ lục): one row per
//! criterion, then its indicators, each with its levels side by side — a common level,
//! one per commune group (2026-2030) or one per region (2021-2025) — and the act each
//! level comes from. The office types the annex into it, or downloads the set's current
//! table, edits and sends it back.
//!
//! The reader goes by the header row's words, not by column letters, so that a table
//! copied from the decision with columns in another order or some left out still reads;
//! a row that names an indicator already read (another year) adds levels to it. Whether
//! the result is a valid set is decided by the app with the set's own checks.

use std::collections::BTreeMap;

use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder, Workbook};

use crate::ReportError;
use crate::cells::fixed_properties;
use crate::read::{Merges, Raw, Sheet, XlsxProblem, cell_text, merge_problems, with_sheets};

/// The sheet of the table.
pub const SET_SHEET: &str = "Bộ tiêu chí";
const GUIDE: &str = "Hướng dẫn";
/// Zero-based header row of the template (row 5 in Excel).
const HEADER_ROW: u32 = 4;
/// Rows searched for the header when the table comes from elsewhere.
const HEADER_SEARCH_ROWS: u32 = 20;

/// A column of levels: what a level in it applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LevelColumn {
    /// "Mức chung": every unit.
    Any,
    /// "Xã nhóm 1" … "Xã nhóm 3".
    Group(u8),
    /// One of the seven regions of the 2021-2025 sets, by its code.
    Region(&'static str),
}

impl LevelColumn {
    pub fn header(self) -> String {
        match self {
            LevelColumn::Any => "Mức chung".into(),
            LevelColumn::Group(g) => format!("Xã nhóm {g}"),
            LevelColumn::Region(r) => r.into(),
        }
    }
}

/// Region codes and the names the annexes print them with.
const REGION_NAMES: [(&str, &str); 7] = [
    ("TDMNPB", "Trung du miền núi phía Bắc"),
    ("DBSH", "Đồng bằng sông Hồng"),
    ("BTB", "Bắc Trung Bộ"),
    ("DHNTB", "Duyên hải Nam Trung Bộ"),
    ("TN", "Tây Nguyên"),
    ("DNB", "Đông Nam Bộ"),
    ("DBSCL", "Đồng bằng sông Cửu Long"),
];

/// One line of the table, as written or as read (texts trimmed, empty as empty).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SetTableLine {
    /// 1-based Excel row when read; 0 when written.
    pub row: u32,
    pub criterion: String,
    pub criterion_name: String,
    pub indicator: String,
    pub indicator_name: String,
    pub unit: String,
    /// "≥", "≤", "=", "đạt" (or ">=", "<=", "pass").
    pub comparison: String,
    pub levels: BTreeMap<LevelColumn, TableLevel>,
    pub year: String,
    pub source: String,
    pub confidence: String,
    pub note: String,
}

/// One level cell.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TableLevel {
    /// As typed (vi-VN: "55,5"), or — from a number cell — the number with a dot.
    pub text: String,
    /// Read from a number cell: the text is the number itself, not a typed text to read
    /// with the ambiguities of separators.
    pub number: bool,
    /// Where it was read ("H7"); empty when written.
    pub cell: String,
}

impl TableLevel {
    pub fn typed(text: impl Into<String>) -> Self {
        TableLevel {
            text: text.into(),
            ..TableLevel::default()
        }
    }
}

/// The table of a set to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetTableSpec {
    pub set_id: String,
    pub title: String,
    /// Level columns, in order (the template offers those the set's period uses).
    pub columns: Vec<LevelColumn>,
    pub lines: Vec<SetTableLine>,
}

/// The words of the header row, by what they name. Matched on the search key (no
/// diacritics, lower case), whole cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Criterion,
    CriterionName,
    Indicator,
    IndicatorName,
    Unit,
    Comparison,
    Level(LevelColumn),
    Year,
    Source,
    Confidence,
    Note,
}

const FIXED: [(Field, &str, f64); 6] = [
    (Field::Criterion, "TT tiêu chí", 8.0),
    (Field::CriterionName, "Tên tiêu chí", 24.0),
    (Field::Indicator, "Mã chỉ tiêu", 10.0),
    (Field::IndicatorName, "Nội dung chỉ tiêu", 48.0),
    (Field::Unit, "Đơn vị tính", 14.0),
    (Field::Comparison, "So sánh", 8.0),
];
const TRAILING: [(Field, &str, f64); 4] = [
    (Field::Year, "Năm áp dụng", 10.0),
    (Field::Source, "Căn cứ (văn bản, điều khoản)", 30.0),
    (Field::Confidence, "Độ tin cậy", 10.0),
    (Field::Note, "Ghi chú", 30.0),
];

fn field(header: &str) -> Option<Field> {
    let key = ntm_core::text::search_key(header);
    let key = key.trim();
    Some(match key {
        "tt" | "stt" | "tt tieu chi" | "ma tieu chi" => Field::Criterion,
        "ten tieu chi" | "tieu chi" => Field::CriterionName,
        "ma chi tieu" | "ma" => Field::Indicator,
        "noi dung chi tieu" | "noi dung tieu chi" | "ten chi tieu" | "noi dung" | "chi tieu" => {
            Field::IndicatorName
        }
        "don vi tinh" | "don vi" | "dvt" => Field::Unit,
        "so sanh" | "phep so sanh" => Field::Comparison,
        "muc chung" | "chi tieu chung" | "muc" => Field::Level(LevelColumn::Any),
        "nam ap dung" | "nam" => Field::Year,
        "can cu" | "can cu (van ban, dieu khoan)" | "nguon" | "van ban" => Field::Source,
        "do tin cay" => Field::Confidence,
        "ghi chu" => Field::Note,
        _ => {
            if let Some(g) = key
                .strip_prefix("xa nhom ")
                .or_else(|| key.strip_prefix("nhom "))
                .and_then(|g| g.parse::<u8>().ok())
                .filter(|g| (1..=3).contains(g))
            {
                return Some(Field::Level(LevelColumn::Group(g)));
            }
            let (code, _) = REGION_NAMES.iter().find(|(code, name)| {
                key == code.to_lowercase() || key == ntm_core::text::search_key(name)
            })?;
            Field::Level(LevelColumn::Region(code))
        }
    })
}

/// Writes the table of a set: the template to fill, prefilled with what the set holds.
pub fn set_table(spec: &SetTableSpec) -> Result<Vec<u8>, ReportError> {
    let mut book = Workbook::new();
    book.set_properties(&fixed_properties(&spec.title)?);
    let sheet = book.add_worksheet();
    sheet.set_name(SET_SHEET)?;
    let bold = Format::new().set_bold().set_font_size(14);
    let italic = Format::new().set_italic();
    sheet.write_string_with_format(0, 0, &spec.title, &bold)?;
    sheet.write_string(1, 0, format!("Mã bộ tiêu chí: {}", spec.set_id))?;
    sheet.write_string_with_format(
        2,
        0,
        "Mỗi tiêu chí một dòng (cột TT và Tên tiêu chí), dưới nó mỗi chỉ tiêu một dòng. Xem trang “Hướng dẫn”.",
        &italic,
    )?;
    let header = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_border(FormatBorder::Thin)
        .set_background_color(Color::RGB(0x00DD_EBF7));
    let cell = Format::new().set_border(FormatBorder::Thin).set_text_wrap();
    let criterion = Format::new()
        .set_border(FormatBorder::Thin)
        .set_bold()
        .set_text_wrap()
        .set_background_color(Color::RGB(0x00F2_F2F2));
    let mut columns: Vec<(Field, String, f64)> = FIXED
        .iter()
        .map(|(f, h, w)| (*f, (*h).to_owned(), *w))
        .collect();
    columns.extend(
        spec.columns
            .iter()
            .map(|c| (Field::Level(*c), c.header(), 11.0)),
    );
    columns.extend(TRAILING.iter().map(|(f, h, w)| (*f, (*h).to_owned(), *w)));
    for (col, (_, text, width)) in (0u16..).zip(&columns) {
        sheet.write_string_with_format(HEADER_ROW, col, text, &header)?;
        sheet.set_column_width(col, *width)?;
    }
    sheet.set_row_height(HEADER_ROW, 45.0)?;
    for (row, line) in (HEADER_ROW + 1..).zip(&spec.lines) {
        let format = if line.indicator.is_empty() {
            &criterion
        } else {
            &cell
        };
        for (col, (f, _, _)) in (0u16..).zip(&columns) {
            let text = match f {
                Field::Criterion => &line.criterion,
                Field::CriterionName => &line.criterion_name,
                Field::Indicator => &line.indicator,
                Field::IndicatorName => &line.indicator_name,
                Field::Unit => &line.unit,
                Field::Comparison => &line.comparison,
                Field::Level(c) => line.levels.get(c).map_or(&EMPTY, |l| &l.text),
                Field::Year => &line.year,
                Field::Source => &line.source,
                Field::Confidence => &line.confidence,
                Field::Note => &line.note,
            };
            match (f, text.replace(',', ".").parse::<f64>()) {
                // A level stays a number, so that Excel neither flags it nor turns it into
                // a date; the reader takes a number cell as the number it is.
                (Field::Level(_) | Field::Year, Ok(n)) if !text.is_empty() => {
                    sheet.write_number_with_format(row, col, n, format)?;
                }
                _ if text.is_empty() => {
                    sheet.write_blank(row, col, format)?;
                }
                _ => {
                    sheet.write_string_with_format(row, col, text.as_str(), format)?;
                }
            }
        }
    }
    sheet.set_freeze_panes(HEADER_ROW + 1, 4)?;
    sheet.set_paper_size(9);
    sheet.set_landscape();
    sheet.set_repeat_rows(HEADER_ROW, HEADER_ROW)?;
    sheet.set_footer("&CTrang &P/&N");
    sheet.set_active(true);

    let guide = book.add_worksheet();
    guide.set_name(GUIDE)?;
    guide.set_column_width(0, 110.0)?;
    let lines = [
        "CÁCH ĐIỀN BẢNG BỘ TIÊU CHÍ",
        "1. Mỗi tiêu chí một dòng: cột “TT tiêu chí” (số thứ tự, ví dụ 3) và “Tên tiêu chí”; để trống “Mã chỉ tiêu”.",
        "2. Dưới tiêu chí, mỗi chỉ tiêu một dòng: “Mã chỉ tiêu” (ví dụ 3.1), “Nội dung chỉ tiêu”, “Đơn vị tính” (ví dụ %, triệu đồng/người/năm).",
        "3. “So sánh”: ≥ (đạt khi không thấp hơn mức), ≤ (đạt khi không cao hơn mức), = , hoặc “đạt” cho chỉ tiêu chỉ đánh giá đạt / không đạt (khi đó để trống các cột mức).",
        "4. Các cột mức: “Mức chung” áp dụng cho mọi xã; “Xã nhóm 1/2/3” hoặc cột vùng là mức riêng. Ô trống: chưa có mức — hệ thống ghi là chưa cấu hình, không tự điền.",
        "5. Mức khác nhau theo năm: thêm một dòng cùng “Mã chỉ tiêu”, ghi “Năm áp dụng” và mức của năm đó.",
        "6. “Căn cứ”: văn bản và điều khoản của mức (ví dụ 51/2025/QĐ-TTg, Phụ lục I); “Độ tin cậy”: cao, trung bình hoặc thấp.",
        "7. Số thập phân dùng dấu phẩy (12,5). Không gộp ô, không dùng công thức.",
        "8. Tải lên ở trang Bộ tiêu chí › Nhập từ Excel: hệ thống cho xem trước những gì thêm, sửa, bỏ; chỉ khi bấm xác nhận mới lưu thành phiên bản mới.",
    ];
    for (row, text) in (0u32..).zip(lines) {
        if row == 0 {
            guide.write_string_with_format(row, 0, text, &bold)?;
        } else {
            guide.write_string(row, 0, text)?;
        }
    }
    Ok(book.save_to_buffer()?)
}

/// A missing level, shown as a blank cell.
static EMPTY: String = String::new();

/// Reads a set table. Never panics; every problem is told with its sheet and cell.
pub fn read_set_table(bytes: &[u8]) -> Result<Vec<SetTableLine>, Vec<XlsxProblem>> {
    with_sheets(bytes, read_lines)
}

fn read_lines(
    sheets: &[Sheet],
    merges: &mut Merges<'_>,
) -> Result<Vec<SetTableLine>, Vec<XlsxProblem>> {
    let found = sheets.iter().find_map(|s| header_of(s).map(|h| (s, h)));
    let Some((sheet, (header_row, columns))) = found else {
        return Err(vec![XlsxProblem::file(
            "không tìm thấy dòng tiêu đề của bảng bộ tiêu chí (cần ít nhất các cột “Mã chỉ tiêu” \
             và “Nội dung chỉ tiêu”); hãy dùng mẫu tải từ trang bộ tiêu chí",
        )]);
    };
    let mut problems = Vec::new();
    merge_problems(&sheet.name, header_row + 1, merges, &mut problems);
    let mut lines = Vec::new();
    for (row, cells) in sheet.rows_from(header_row + 1) {
        let mut line = SetTableLine {
            row: row + 1,
            ..SetTableLine::default()
        };
        for (col, cell) in cells {
            let Some(f) = columns.get(&col) else { continue };
            if cell.formula {
                problems.push(XlsxProblem::at(
                    &sheet.name,
                    row,
                    col,
                    "chứa công thức; hãy dán giá trị (Paste Values)",
                ));
                continue;
            }
            let number = matches!(cell.value, Raw::Int(_) | Raw::Float(_));
            let text = match &cell.value {
                Raw::Text(t) => t.clone(),
                v => match cell_text(v) {
                    Ok(t) => t.unwrap_or_default(),
                    Err(m) => {
                        problems.push(XlsxProblem::at(&sheet.name, row, col, m));
                        continue;
                    }
                },
            };
            match f {
                Field::Criterion => line.criterion = text,
                Field::CriterionName => line.criterion_name = text,
                Field::Indicator => line.indicator = text,
                Field::IndicatorName => line.indicator_name = text,
                Field::Unit => line.unit = text,
                Field::Comparison => line.comparison = text,
                Field::Level(c) => {
                    let cell = crate::cells::cell_name(row, col);
                    line.levels.insert(*c, TableLevel { text, number, cell });
                }
                Field::Year => line.year = text,
                Field::Source => line.source = text,
                Field::Confidence => line.confidence = text,
                Field::Note => line.note = text,
            }
        }
        if line
            != (SetTableLine {
                row: row + 1,
                ..SetTableLine::default()
            })
        {
            lines.push(line);
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    if lines.is_empty() {
        return Err(vec![XlsxProblem::sheet(
            &sheet.name,
            "bảng không có dòng nào dưới tiêu đề",
        )]);
    }
    Ok(lines)
}

/// The header row of a sheet and its columns, when it has one.
fn header_of(sheet: &Sheet) -> Option<(u32, BTreeMap<u32, Field>)> {
    (0..HEADER_SEARCH_ROWS).find_map(|row| {
        let columns: BTreeMap<u32, Field> = sheet
            .rows_from(row)
            .get(&row)?
            .iter()
            .filter_map(|(col, cell)| match &cell.value {
                Raw::Text(t) => field(t).map(|f| (*col, f)),
                _ => None,
            })
            .collect();
        let has = |f: Field| columns.values().any(|c| *c == f);
        (has(Field::Indicator) && has(Field::IndicatorName)).then_some((row, columns))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> SetTableSpec {
        let mut levels = BTreeMap::new();
        levels.insert(LevelColumn::Group(1), TableLevel::typed("60"));
        levels.insert(LevelColumn::Group(2), TableLevel::typed("55,5"));
        SetTableSpec {
            set_id: "xa-ntm-2026-2030".into(),
            title: "Bộ tiêu chí quốc gia về xã nông thôn mới giai đoạn 2026-2030".into(),
            columns: vec![
                LevelColumn::Any,
                LevelColumn::Group(1),
                LevelColumn::Group(2),
                LevelColumn::Group(3),
            ],
            lines: vec![
                SetTableLine {
                    criterion: "3".into(),
                    criterion_name: "Phát triển kinh tế nông thôn".into(),
                    ..SetTableLine::default()
                },
                SetTableLine {
                    criterion: "3".into(),
                    indicator: "3.1".into(),
                    indicator_name: "Thu nhập bình quân đầu người".into(),
                    unit: "triệu đồng/người/năm".into(),
                    comparison: "≥".into(),
                    levels,
                    source: "51/2025/QĐ-TTg".into(),
                    confidence: "cao".into(),
                    ..SetTableLine::default()
                },
            ],
        }
    }

    #[test]
    fn a_written_table_reads_back_line_for_line() {
        let bytes = set_table(&spec()).unwrap();
        let lines = read_set_table(&bytes).unwrap();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].row, 6);
        assert_eq!(lines[0].criterion_name, "Phát triển kinh tế nông thôn");
        let l = &lines[1];
        assert_eq!((l.indicator.as_str(), l.comparison.as_str()), ("3.1", "≥"));
        // Levels were written as numbers and come back as the numbers they are.
        let g1 = &l.levels[&LevelColumn::Group(1)];
        assert_eq!(
            (g1.text.as_str(), g1.number, g1.cell.as_str()),
            ("60", true, "H7")
        );
        assert_eq!(l.levels[&LevelColumn::Group(2)].text, "55.5");
        assert!(!l.levels.contains_key(&LevelColumn::Group(3)));
    }

    #[test]
    fn headers_are_read_by_their_words_in_any_order() {
        let mut book = Workbook::new();
        let s = book.add_worksheet();
        s.write_string(0, 0, "PHỤ LỤC I").unwrap();
        for (c, h) in ["Nội dung", "Mã", "Bắc Trung Bộ", "ĐBSH", "Nhóm 3", "Đơn vị"]
            .iter()
            .enumerate()
        {
            s.write_string(2, c as u16, *h).unwrap();
        }
        s.write_string(3, 0, "Tỷ lệ đường xã được cứng hóa")
            .unwrap();
        s.write_string(3, 1, "2.1").unwrap();
        s.write_number(3, 2, 100).unwrap();
        s.write_string(3, 3, "90").unwrap();
        s.write_string(3, 4, "80").unwrap();
        let lines = read_set_table(&book.save_to_buffer().unwrap()).unwrap();
        let l = &lines[0];
        assert_eq!(l.row, 4);
        assert_eq!(l.levels[&LevelColumn::Region("BTB")].text, "100");
        assert!(!l.levels[&LevelColumn::Region("DBSH")].number);
        assert_eq!(l.levels[&LevelColumn::Region("DBSH")].text, "90");
        assert_eq!(l.levels[&LevelColumn::Group(3)].text, "80");
    }

    #[test]
    fn formulas_merges_and_foreign_files_are_told_by_cell() {
        let mut book = Workbook::new();
        let s = book.add_worksheet();
        s.write_string(0, 0, "Mã chỉ tiêu").unwrap();
        s.write_string(0, 1, "Nội dung chỉ tiêu").unwrap();
        s.write_string(0, 2, "Mức chung").unwrap();
        s.write_string(1, 0, "1.1").unwrap();
        s.write_formula(1, 2, "=1+1").unwrap();
        let problems = read_set_table(&book.save_to_buffer().unwrap()).unwrap_err();
        assert_eq!(
            problems[0].to_string(),
            "trang “Sheet1”, ô C2: chứa công thức; hãy dán giá trị (Paste Values)"
        );
        let problems = read_set_table(b"TT,Ten\n1,x").unwrap_err();
        assert!(problems[0].message.contains(".xlsx"));
        let mut book = Workbook::new();
        book.add_worksheet()
            .write_string(0, 0, "Danh sách")
            .unwrap();
        let problems = read_set_table(&book.save_to_buffer().unwrap()).unwrap_err();
        assert!(problems[0].message.contains("Mã chỉ tiêu"));
    }
}
