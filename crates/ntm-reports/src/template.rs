//! The import template: the workbook a commune or district officer downloads, fills in
//! Excel and sends back.
//!
//! Sheet “Số liệu”: title rows 1-5, the header row 6 (“Mã định danh”, “Mã ĐVHC”, “Tên
//! đơn vị”, then one column per indicator from column D), one row per unit from row 7.
//! The three code columns are locked (the sheet is protected without a password, only
//! the value cells are unlocked) so that a row keeps its unit; each indicator column
//! validates what is typed (a list “đạt, không đạt”, or a decimal within its bounds).
//! Sheet “Hướng dẫn”: how to fill it in. Hidden sheet “ntm”: key/value rows (format,
//! year, set, header row, and which column holds which indicator), so that the reader
//! recognises the template and never has to trust header text a user may have edited.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{
    Color, DataValidation, DataValidationRule, Format, FormatAlign, FormatBorder,
    ProtectionOptions, Workbook, Worksheet,
};

use crate::ReportError;
use crate::cells::{column_name, fixed_properties, lines_needed};

/// The value of the hidden sheet's `format` key; a reader that finds another value knows
/// the layout changed.
pub(crate) const FORMAT: &str = "ntm-template-1";
/// The sheet users fill in.
pub(crate) const DATA_SHEET: &str = "Số liệu";
/// The guide sheet.
pub(crate) const GUIDE_SHEET: &str = "Hướng dẫn";
/// The sheet that carries the notes and evidence already stored (read-only: the reader
/// skips it, and an import keeps the stored notes).
pub(crate) const NOTES_SHEET: &str = "Ghi chú, minh chứng";
/// The hidden sheet of key/value rows.
pub(crate) const META_SHEET: &str = "ntm";
/// Zero-based row of the column headers (row 6 in Excel); units start on the next row.
pub(crate) const HEADER_ROW: u32 = 5;
/// Zero-based column of the first indicator (column D).
pub(crate) const FIRST_VALUE_COL: u16 = 3;

/// Keys of the hidden sheet (column A), values in column B (and C for `column`).
pub(crate) const KEY_FORMAT: &str = "format";
pub(crate) const KEY_YEAR: &str = "year";
pub(crate) const KEY_SET: &str = "set_id";
pub(crate) const KEY_SHEET: &str = "data_sheet";
pub(crate) const KEY_HEADER_ROW: &str = "header_row";
/// A `column` row holds the column letters in B and the indicator id in C.
pub(crate) const KEY_COLUMN: &str = "column";

/// The two answers of a pass/fail indicator, as the list validation offers them.
const PASS_CHOICES: [&str; 2] = ["đạt", "không đạt"];

/// What an indicator column accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateKind {
    /// A decimal, within the bounds when given (a percentage: 0..100).
    Number {
        min: Option<Decimal>,
        max: Option<Decimal>,
    },
    /// “đạt” or “không đạt”.
    Pass,
}

/// One indicator column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateIndicator {
    /// Indicator id ("3.1"): what the reader gives back for the column.
    pub id: String,
    pub name: String,
    /// Unit of measure, shown in brackets after the name ("%").
    pub unit: Option<String>,
    /// What meets it, shown under the name: "≥ 80%", "đạt", "chưa cấu hình ngưỡng".
    pub requirement: String,
    /// What the column's validation accepts.
    pub kind: TemplateKind,
}

/// One unit row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateUnit {
    /// The unit id, code@start (`18850@2020-01-01`); what the reader gives back.
    pub id: String,
    /// The administrative code shown beside the id ("18850").
    pub code: String,
    pub name: String,
}

/// Everything a template shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateSpec {
    /// The year every value of the filled template belongs to.
    pub year: i32,
    pub set_id: String,
    pub set_title: String,
    /// The set is illustrative (demo): the template says so.
    pub illustrative: bool,
    /// "Huyện Kỳ Anh", "Tỉnh Hà Tĩnh".
    pub scope_title: String,
    /// One row each, in this order.
    pub units: Vec<TemplateUnit>,
    /// One column each from column D, in this order.
    pub indicators: Vec<TemplateIndicator>,
    /// Values already known, prefilled: (unit id, indicator id) → value text.
    pub existing: BTreeMap<(String, String), String>,
    /// Notes and evidence already stored: (unit id, indicator id) → (note, evidence
    /// link). Shown on their own sheet; an import of the template keeps them.
    pub notes: BTreeMap<(String, String), (String, String)>,
}

/// Writes the import template. The same spec gives the same bytes.
pub fn template(spec: &TemplateSpec) -> Result<Vec<u8>, ReportError> {
    let title = format!("BIỂU NHẬP SỐ LIỆU CHỈ TIÊU NÔNG THÔN MỚI NĂM {}", spec.year);
    let last_col = usize::from(FIRST_VALUE_COL) + spec.indicators.len();
    if last_col > 16_384 {
        return Err(ReportError::Invalid {
            sheet: DATA_SHEET.into(),
            message: "quá nhiều chỉ tiêu cho một trang Excel".into(),
        });
    }
    let mut book = Workbook::new();
    book.set_properties(&fixed_properties(&title)?);

    let data = book.add_worksheet();
    data.set_name(DATA_SHEET)?;
    write_data_sheet(data, spec, &title)?;

    let guide = book.add_worksheet();
    guide.set_name(GUIDE_SHEET)?;
    write_guide(guide, spec)?;

    if !spec.notes.is_empty() {
        let notes = book.add_worksheet();
        notes.set_name(NOTES_SHEET)?;
        write_notes(notes, spec)?;
    }

    let meta = book.add_worksheet();
    meta.set_name(META_SHEET)?;
    write_meta(meta, spec)?;

    Ok(book.save_to_buffer()?)
}

fn write_data_sheet(
    sheet: &mut Worksheet,
    spec: &TemplateSpec,
    title: &str,
) -> Result<(), ReportError> {
    let bold_title = Format::new().set_bold().set_font_size(14);
    let italic = Format::new().set_italic();
    let demo = Format::new()
        .set_bold()
        .set_font_color(Color::RGB(0x009C_0006));
    sheet.write_string_with_format(0, 0, title, &bold_title)?;
    sheet.write_string(1, 0, format!("Phạm vi: {}", spec.scope_title))?;
    sheet.write_string(
        2,
        0,
        format!("Bộ tiêu chí: {} ({})", spec.set_title, spec.set_id),
    )?;
    if spec.illustrative {
        sheet.write_string_with_format(
            3,
            0,
            "Số liệu minh họa (demo): bộ tiêu chí minh họa, ngưỡng không phải giá trị pháp lý.",
            &demo,
        )?;
    }
    sheet.write_string_with_format(
        4,
        0,
        "Nhập số liệu vào các ô trắng; không sửa ba cột mã bên trái. Xem trang “Hướng dẫn”.",
        &italic,
    )?;

    let header = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_border(FormatBorder::Thin)
        .set_background_color(Color::RGB(0x00DD_EBF7));
    // Locked cells are grey so that users see at once what they may not change.
    let locked = Format::new()
        .set_border(FormatBorder::Thin)
        .set_background_color(Color::RGB(0x00F2_F2F2));
    let open = Format::new().set_border(FormatBorder::Thin).set_unlocked();

    let fixed = [
        ("Mã định danh", 20.0),
        ("Mã ĐVHC", 10.0),
        ("Tên đơn vị", 26.0),
    ];
    for (col, (text, width)) in (0u16..).zip(fixed) {
        sheet.write_string_with_format(HEADER_ROW, col, text, &header)?;
        sheet.set_column_width(col, width)?;
    }
    const VALUE_WIDTH: f64 = 18.0;
    let mut header_lines: f64 = 3.0;
    for (col, indicator) in (FIRST_VALUE_COL..).zip(&spec.indicators) {
        let text = header_text(indicator);
        header_lines = header_lines.max(lines_needed(&text, VALUE_WIDTH, 1.1));
        sheet.write_string_with_format(HEADER_ROW, col, &text, &header)?;
        sheet.set_column_width(col, VALUE_WIDTH)?;
    }
    sheet.set_row_height(HEADER_ROW, 15.0 * header_lines.min(12.0))?;

    for (row, unit) in (HEADER_ROW + 1..).zip(&spec.units) {
        sheet.write_string_with_format(row, 0, &unit.id, &locked)?;
        sheet.write_string_with_format(row, 1, &unit.code, &locked)?;
        sheet.write_string_with_format(row, 2, &unit.name, &locked)?;
        for (col, indicator) in (FIRST_VALUE_COL..).zip(&spec.indicators) {
            match spec.existing.get(&(unit.id.clone(), indicator.id.clone())) {
                None => {
                    sheet.write_blank(row, col, &open)?;
                }
                Some(text) => match (&indicator.kind, number_of(text)) {
                    // A number stays a number, so Excel neither flags it as "number stored
                    // as text" nor refuses it in a sum.
                    (TemplateKind::Number { .. }, Some(n)) => {
                        sheet.write_number_with_format(row, col, n, &open)?;
                    }
                    _ => {
                        sheet.write_string_with_format(row, col, text.trim(), &open)?;
                    }
                },
            }
        }
    }

    if let Some(last_unit_offset) = spec.units.len().checked_sub(1) {
        let last_row = HEADER_ROW
            + 1
            + u32::try_from(last_unit_offset).map_err(|_| ReportError::Invalid {
                sheet: DATA_SHEET.into(),
                message: "quá nhiều đơn vị cho một trang Excel".into(),
            })?;
        for (col, indicator) in (FIRST_VALUE_COL..).zip(&spec.indicators) {
            let validation = validation_for(indicator)?;
            sheet.add_data_validation(HEADER_ROW + 1, col, last_row, col, &validation)?;
        }
    }

    sheet.set_freeze_panes(HEADER_ROW + 1, FIRST_VALUE_COL)?;
    sheet.protect_with_options(&ProtectionOptions {
        // Widening a column or a row does no harm and users need it to read long names.
        format_columns: true,
        format_rows: true,
        ..ProtectionOptions::new()
    });
    sheet.set_paper_size(9);
    sheet.set_landscape();
    // Eighty indicator columns squeezed onto one page would be unreadable: the sheet runs
    // over several pages instead, each repeating the header row and the unit columns.
    sheet.set_repeat_rows(HEADER_ROW, HEADER_ROW)?;
    sheet.set_repeat_columns(0, FIRST_VALUE_COL - 1)?;
    sheet.set_footer("&CTrang &P/&N");
    sheet.set_active(true);
    Ok(())
}

/// "3.1 Tỷ lệ … (%)\n≥ 80%".
fn header_text(indicator: &TemplateIndicator) -> String {
    let unit = indicator
        .unit
        .as_deref()
        .filter(|u| !u.trim().is_empty())
        .map(|u| format!(" ({u})"))
        .unwrap_or_default();
    format!(
        "{} {}{unit}\n{}",
        indicator.id, indicator.name, indicator.requirement
    )
}

/// A prefilled value as a number, when it is one (decimal point or a lone decimal comma).
fn number_of(text: &str) -> Option<f64> {
    let t = text.trim();
    let t = if t.contains(',') && !t.contains('.') && t.matches(',').count() == 1 {
        t.replace(',', ".")
    } else {
        t.to_owned()
    };
    t.parse::<Decimal>().ok().and_then(|d| d.to_f64())
}

/// Excel limits: validation titles to 32 characters, messages to 255.
fn clip(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

fn validation_for(indicator: &TemplateIndicator) -> Result<DataValidation, ReportError> {
    let (validation, message) = match &indicator.kind {
        TemplateKind::Pass => (
            DataValidation::new().allow_list_strings(&PASS_CHOICES)?,
            format!(
                "Chỉ tiêu {}: chọn “đạt” hoặc “không đạt” trong danh sách.",
                indicator.id
            ),
        ),
        TemplateKind::Number { min, max } => {
            let f = |d: &Decimal| d.to_f64().unwrap_or(0.0);
            let (rule, said) = match (min, max) {
                (Some(lo), Some(hi)) => (
                    DataValidationRule::Between(f(lo), f(hi)),
                    format!("nhập số từ {} đến {}", vi_number(lo), vi_number(hi)),
                ),
                (Some(lo), None) => (
                    DataValidationRule::GreaterThanOrEqualTo(f(lo)),
                    format!("nhập số không nhỏ hơn {}", vi_number(lo)),
                ),
                (None, Some(hi)) => (
                    DataValidationRule::LessThanOrEqualTo(f(hi)),
                    format!("nhập số không lớn hơn {}", vi_number(hi)),
                ),
                // Unbounded: still a number, which is what the validation guards.
                (None, None) => (
                    DataValidationRule::Between(-1e15, 1e15),
                    "nhập một số".to_owned(),
                ),
            };
            (
                DataValidation::new().allow_decimal_number(rule),
                format!(
                    "Chỉ tiêu {}: {said} (dấu thập phân là dấu phẩy hoặc dấu chấm theo máy), không nhập chữ hay dấu %.",
                    indicator.id
                ),
            )
        }
    };
    Ok(validation
        .set_error_title(clip("Giá trị không hợp lệ", 32))?
        .set_error_message(clip(&message, 255))?
        .set_input_title(clip(&format!("Chỉ tiêu {}", indicator.id), 32))?
        .set_input_message(clip(&indicator.requirement, 255))?)
}

/// A decimal as Vietnamese write it (decimal comma), for messages.
fn vi_number(d: &Decimal) -> String {
    d.normalize().to_string().replace('.', ",")
}

/// The notes and evidence stored for the template's values, one line each, protected:
/// they travel with the template so that whoever fills it sees them.
fn write_notes(sheet: &mut Worksheet, spec: &TemplateSpec) -> Result<(), ReportError> {
    let bold = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_border(FormatBorder::Thin);
    let wrap = Format::new()
        .set_text_wrap()
        .set_align(FormatAlign::Top)
        .set_border(FormatBorder::Thin);
    sheet.write_string_with_format(
        0,
        0,
        "GHI CHÚ VÀ MINH CHỨNG ĐÃ CÓ TRÊN HỆ THỐNG (chỉ để xem; nhập lại tệp không làm mất chúng — sửa trên trang nhập liệu)",
        &Format::new().set_bold(),
    )?;
    for (c, (h, w)) in [
        ("Tên đơn vị", 24.0),
        ("Chỉ tiêu", 10.0),
        ("Ghi chú", 60.0),
        ("Minh chứng", 50.0),
    ]
    .into_iter()
    .enumerate()
    {
        let c = u16::try_from(c).unwrap_or(0);
        sheet.set_column_width(c, w)?;
        sheet.write_string_with_format(2, c, h, &bold)?;
    }
    let names: BTreeMap<&str, &str> = spec
        .units
        .iter()
        .map(|u| (u.id.as_str(), u.name.as_str()))
        .collect();
    for (row, ((unit, indicator), (note, evidence))) in (3u32..).zip(&spec.notes) {
        sheet.write_string_with_format(
            row,
            0,
            names.get(unit.as_str()).copied().unwrap_or(unit),
            &wrap,
        )?;
        sheet.write_string_with_format(row, 1, indicator, &wrap)?;
        sheet.write_string_with_format(row, 2, note, &wrap)?;
        sheet.write_string_with_format(row, 3, evidence, &wrap)?;
    }
    sheet.protect_with_options(&ProtectionOptions::new());
    Ok(())
}

fn write_guide(sheet: &mut Worksheet, spec: &TemplateSpec) -> Result<(), ReportError> {
    let title = Format::new().set_bold().set_font_size(14);
    let wrap = Format::new().set_text_wrap().set_align(FormatAlign::Top);
    sheet.set_column_width(0, 110)?;
    sheet.write_string_with_format(0, 0, "HƯỚNG DẪN NHẬP SỐ LIỆU", &title)?;
    let mut lines = vec![
        format!(
            "Mẫu này dùng cho năm {}, bộ tiêu chí “{}” ({}), phạm vi {}. Không dùng mẫu của năm hoặc bộ tiêu chí khác.",
            spec.year, spec.set_title, spec.set_id, spec.scope_title
        ),
        "1. Trang “Số liệu”: mỗi dòng là một đơn vị, mỗi cột từ cột D là một chỉ tiêu. Tiêu đề cột ghi mã chỉ tiêu, tên, đơn vị tính và mức cần đạt.".to_owned(),
        "2. Chỉ nhập vào các ô trắng. Không sửa, không xóa ba cột mã bên trái (“Mã định danh”, “Mã ĐVHC”, “Tên đơn vị”): hệ thống dựa vào “Mã định danh” để biết số liệu thuộc đơn vị nào.".to_owned(),
        "3. Chỉ tiêu là số: gõ số như vẫn gõ trong Excel (ví dụ 85,5). Không gõ dấu ngăn cách hàng nghìn: viết 1200, không viết 1.200 hay 1,200 — hệ thống không đoán là một nghìn hai trăm hay một phẩy hai, và sẽ báo lại ô đó. Tỷ lệ phần trăm nhập từ 0 đến 100, không nhập dấu %.".to_owned(),
        "4. Chỉ tiêu đánh giá đạt/không đạt: chọn “đạt” hoặc “không đạt” trong danh sách của ô.".to_owned(),
        "5. Ô để trống là chưa có số liệu. Số liệu đã có trong hệ thống được điền sẵn; sửa lại nếu cần. Ghi chú và minh chứng đã có nằm ở trang “Ghi chú, minh chứng” để xem; gửi lại tệp không làm mất chúng. Muốn sửa ghi chú hay thêm minh chứng, sửa trên trang nhập liệu của xã.".to_owned(),
        "6. Không thêm trang (sheet) mới, không gộp ô (Merge), không chèn hay xóa cột. Khi chép số liệu từ tệp khác, hãy dán giá trị (Paste Special → Values), không dán công thức.".to_owned(),
        "7. Lưu tệp dạng Excel .xlsx (không lưu dạng .xls cũ, không đặt mật khẩu).".to_owned(),
        "8. Gửi số liệu: trên ntm, vào mục “Nhập từ tệp”, chọn tệp này, xem trước những gì thay đổi rồi bấm “Xác nhận ghi”. Hệ thống kiểm tra cả tệp và chỉ ra từng ô có vấn đề (trang, ô); còn lỗi thì chưa số liệu nào được ghi. Số liệu của năm đã gửi duyệt hoặc đã được duyệt (khóa) không ghi được: trang xem trước liệt kê chúng.".to_owned(),
        "9. Sau khi ghi, số liệu ở trạng thái “đang nhập”: vào trang nhập liệu của xã để kiểm tra rồi bấm “Gửi duyệt”.".to_owned(),
    ];
    if spec.illustrative {
        lines.push(
            "Lưu ý: bộ tiêu chí này là số liệu minh họa (demo), ngưỡng không phải giá trị pháp lý."
                .to_owned(),
        );
    }
    for (row, line) in (2u32..).zip(&lines) {
        sheet.write_string_with_format(row, 0, line, &wrap)?;
        sheet.set_row_height(row, 15.0 * lines_needed(line, 110.0, 1.0))?;
    }
    Ok(())
}

fn write_meta(sheet: &mut Worksheet, spec: &TemplateSpec) -> Result<(), ReportError> {
    let rows: [(&str, String); 5] = [
        (KEY_FORMAT, FORMAT.to_owned()),
        (KEY_YEAR, spec.year.to_string()),
        (KEY_SET, spec.set_id.clone()),
        (KEY_SHEET, DATA_SHEET.to_owned()),
        (KEY_HEADER_ROW, (HEADER_ROW + 1).to_string()),
    ];
    let mut r = 0u32;
    for (key, value) in rows {
        sheet.write_string(r, 0, key)?;
        // Text, not numbers: the reader compares them as written.
        sheet.write_string(r, 1, value)?;
        r += 1;
    }
    for (col, indicator) in (u32::from(FIRST_VALUE_COL)..).zip(&spec.indicators) {
        sheet.write_string(r, 0, KEY_COLUMN)?;
        sheet.write_string(r, 1, column_name(col))?;
        sheet.write_string(r, 2, &indicator.id)?;
        r += 1;
    }
    sheet.set_hidden(true);
    sheet.protect();
    Ok(())
}
