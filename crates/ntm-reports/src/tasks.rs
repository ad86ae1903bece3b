//! A directive's list of tasks as the office keeps it in Excel: the template to fill
//! ([`tasks_template`]) and the reader of a filled sheet ([`read_tasks`]) — any sheet with a
//! header row naming at least "Nội dung" and "Chủ trì", the columns in any order, so that
//! the office's own tables load as they are. Cells are read as text; what they mean (which
//! unit "Xã Kỳ Lạc" is, whether "15/12/2026" is a date) is the app's to decide, exactly as
//! when the same row is typed in the form.

use std::io::Cursor;

use calamine::{Data, Reader, SheetType, Xlsx};
use ntm_core::text::search_key;
use rust_xlsxwriter::{Format, Workbook};

use crate::ReportError;
use crate::cells::number_text;
use crate::read::{NOT_XLSX, OLE_MAGIC, PROTECTED_OR_XLS, XlsxProblem, open_problem};

/// One task row of a sheet, its cells as text (empty when blank).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskSheetRow {
    /// The sheet's row number, as Excel shows it.
    pub row: u32,
    pub code: String,
    pub text: String,
    pub lead: String,
    /// Several separated by ";".
    pub cooperating: String,
    /// `YYYY-MM-DD` when the cell is a date; otherwise as typed.
    pub deadline: String,
    /// As typed: "hằng quý, ngày 15", "quarterly:15"…
    pub repeat: String,
    /// "Giao cho tất cả các xã" marked (x, có, 1, TRUE).
    pub expand: bool,
    pub expected: String,
    pub serves: String,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Field {
    Code,
    Text,
    Lead,
    Cooperating,
    Deadline,
    Repeat,
    Expand,
    Expected,
    Serves,
}

/// The headings of the template, left to right, with their column widths.
const HEADINGS: [(&str, f64); 9] = [
    ("Số", 7.0),
    ("Nội dung nhiệm vụ", 50.0),
    ("Chủ trì", 28.0),
    ("Tất cả các xã (x)", 10.0),
    ("Phối hợp", 28.0),
    ("Thời hạn", 12.0),
    ("Lặp lại", 18.0),
    ("Sản phẩm", 28.0),
    ("Phục vụ tiêu chí, chỉ tiêu", 24.0),
];

/// Which field a heading names, read without case or diacritics.
fn field(heading: &str) -> Option<Field> {
    let key = search_key(heading);
    let words: Vec<&str> = key
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let has = |w: &str| words.contains(&w);
    Some(if key.contains("noi dung") {
        Field::Text
    } else if key.contains("chu tri") {
        Field::Lead
    } else if key.contains("phoi hop") {
        Field::Cooperating
    } else if key.contains("tat ca") {
        Field::Expand
    } else if key.contains("lap lai") || key.contains("dinh ky") {
        Field::Repeat
    } else if has("han") {
        Field::Deadline
    } else if key.contains("san pham") || key.contains("ket qua") {
        Field::Expected
    } else if key.contains("phuc vu") || key.contains("tieu chi") {
        Field::Serves
    } else if matches!(
        key.as_str(),
        "so" | "stt" | "tt" | "so tt" | "so thu tu" | "ma"
    ) {
        Field::Code
    } else {
        return None;
    })
}

/// The days from 1899-12-30 (Excel's day 0, past its 1900 leap-year bug) as a date.
fn excel_date(serial: f64) -> Option<String> {
    let days = serial.floor() as i64;
    // Civil-from-days (H. Hinnant), shifted from 1970-01-01 to Excel's epoch.
    let z = days - 25_569 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (1900..=9999)
        .contains(&y)
        .then(|| format!("{y:04}-{m:02}-{d:02}"))
}

pub(crate) fn text_of(sheet: &str, row: u32, col: u32, d: &Data) -> Result<String, XlsxProblem> {
    Ok(match d {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_owned(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => number_text(*f),
        Data::Bool(b) => if *b { "x" } else { "" }.to_owned(),
        Data::DateTime(dt) => excel_date(dt.as_f64())
            .ok_or_else(|| XlsxProblem::at(sheet, row, col, "ngày tháng ngoài khoảng 1900–9999"))?,
        Data::DateTimeIso(s) => s.chars().take(10).collect(),
        Data::DurationIso(s) => s.clone(),
        Data::Error(e) => {
            return Err(XlsxProblem::at(
                sheet,
                row,
                col,
                format!("chứa lỗi {e}; hãy nhập lại giá trị"),
            ));
        }
    })
}

/// A worksheet's non-empty cells as dense rows from its top-left filled cell.
pub(crate) struct DenseSheet {
    pub(crate) name: String,
    pub(crate) top: u32,
    pub(crate) left: u32,
    pub(crate) rows: Vec<Vec<Data>>,
}

/// Opens untrusted bytes as a workbook of small row tables (bounded by [`TASK_ROWS`] ×
/// [`TASK_COLUMNS`]) and returns its worksheets as dense rows. Never panics.
pub(crate) fn dense_sheets(bytes: &[u8]) -> Result<Vec<DenseSheet>, Vec<XlsxProblem>> {
    if bytes.starts_with(&OLE_MAGIC) {
        return Err(vec![XlsxProblem::file(PROTECTED_OR_XLS)]);
    }
    if !bytes.starts_with(b"PK") {
        return Err(vec![XlsxProblem::file(NOT_XLSX)]);
    }
    crate::limits::check_archive(bytes).map_err(|m| vec![XlsxProblem::file(m)])?;
    std::panic::catch_unwind(|| read_dense(bytes)).unwrap_or_else(|_| {
        Err(vec![XlsxProblem::file(
            "tệp .xlsx bị hỏng, không đọc được; hãy mở bằng Excel và lưu lại",
        )])
    })
}

fn read_dense(bytes: &[u8]) -> Result<Vec<DenseSheet>, Vec<XlsxProblem>> {
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| vec![open_problem(&e)])?;
    let names: Vec<String> = book
        .sheets_metadata()
        .iter()
        .filter(|s| s.typ == SheetType::WorkSheet)
        .map(|s| s.name.clone())
        .collect();
    let mut out = Vec::new();
    for name in names {
        let cells = task_cells(&mut book, &name).map_err(|p| vec![p])?;
        let (top, left) = (
            cells.keys().map(|k| k.0).min().unwrap_or(0),
            cells.keys().map(|k| k.1).min().unwrap_or(0),
        );
        // Dense rows from the sparse cells: bounded by TASK_ROWS × TASK_COLUMNS, whatever
        // the sheet's declared dimension (a dense range of a crafted sheet is not).
        let bottom = cells.keys().map(|k| k.0).max().unwrap_or(0);
        let mut dense: Vec<Vec<Data>> = vec![Vec::new(); (bottom + 1 - top) as usize];
        for (&(r, c), value) in &cells {
            let row = &mut dense[(r - top) as usize];
            let j = (c - left) as usize;
            if row.len() <= j {
                row.resize(j + 1, Data::Empty);
            }
            row[j] = value.clone();
        }
        out.push(DenseSheet {
            name,
            top,
            left,
            rows: dense,
        });
    }
    Ok(out)
}

/// Reads the tasks of the first sheet that has a header row (within its first 20 rows)
/// naming "Nội dung" and "Chủ trì". Rows without text, lead and number are skipped.
/// Never panics; every problem is told with its cell.
pub fn read_tasks(bytes: &[u8]) -> Result<Vec<TaskSheetRow>, Vec<XlsxProblem>> {
    for sheet in dense_sheets(bytes)? {
        let DenseSheet {
            name,
            top,
            left,
            rows: dense,
        } = sheet;
        let rows: Vec<&[Data]> = dense.iter().map(Vec::as_slice).collect();
        let header = rows.iter().take(20).position(|r| {
            let fields: Vec<_> = r.iter().filter_map(|c| field(&c.to_string())).collect();
            fields.contains(&Field::Text) && fields.contains(&Field::Lead)
        });
        let Some(h) = header else { continue };
        let columns: Vec<Option<Field>> = rows[h].iter().map(|c| field(&c.to_string())).collect();
        let mut out = Vec::new();
        let mut problems = Vec::new();
        for (i, r) in rows.iter().enumerate().skip(h + 1) {
            let row = top + i as u32;
            let mut t = TaskSheetRow {
                row: row + 1,
                ..Default::default()
            };
            for (j, cell) in r.iter().enumerate() {
                let Some(Some(f)) = columns.get(j) else {
                    continue;
                };
                let text = match text_of(&name, row, left + j as u32, cell) {
                    Ok(t) => t,
                    Err(p) => {
                        problems.push(p);
                        continue;
                    }
                };
                match f {
                    Field::Code => t.code = text,
                    Field::Text => t.text = text,
                    Field::Lead => t.lead = text,
                    Field::Cooperating => t.cooperating = text,
                    Field::Deadline => t.deadline = text,
                    Field::Repeat => t.repeat = text,
                    Field::Expand => {
                        t.expand = matches!(search_key(&text).as_str(), "x" | "co" | "1" | "true")
                    }
                    Field::Expected => t.expected = text,
                    Field::Serves => t.serves = text,
                }
            }
            if !(t.text.is_empty() && t.lead.is_empty() && t.code.is_empty()) {
                out.push(t);
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        if out.is_empty() {
            return Err(vec![XlsxProblem::sheet(
                &name,
                "không có nhiệm vụ nào dưới dòng tiêu đề",
            )]);
        }
        return Ok(out);
    }
    Err(vec![XlsxProblem::file(
        "không tìm thấy dòng tiêu đề có cột “Nội dung” và cột “Chủ trì” (trong 20 dòng đầu của một trang)",
    )])
}

/// Rows and columns a row table may use: a directive has tens of tasks, a province's
/// register some thousands of villages and gardens, in about ten columns.
const TASK_ROWS: u32 = 20_000;
const TASK_COLUMNS: u32 = 60;

/// The non-empty cells of a sheet, refused past [`TASK_ROWS`], [`TASK_COLUMNS`] or a cell
/// longer than [`crate::limits::MAX_CELL_CHARS`].
fn task_cells(
    book: &mut Xlsx<Cursor<&[u8]>>,
    name: &str,
) -> Result<std::collections::BTreeMap<(u32, u32), Data>, XlsxProblem> {
    let broken = |e: calamine::XlsxError| {
        XlsxProblem::sheet(
            name,
            format!("trang bị hỏng, không đọc được ({e}); hãy mở bằng Excel và lưu lại"),
        )
    };
    let mut reader = book.worksheet_cells_reader(name).map_err(broken)?;
    let mut cells = std::collections::BTreeMap::new();
    while let Some(cell) = reader.next_cell().map_err(broken)? {
        let value: Data = cell.get_value().clone().into();
        if value == Data::Empty {
            continue;
        }
        let (row, col) = cell.get_position();
        if row >= TASK_ROWS || col >= TASK_COLUMNS {
            return Err(XlsxProblem::at(
                name,
                row,
                col,
                format!(
                    "nằm ngoài vùng một bảng danh sách ({TASK_ROWS} dòng, {TASK_COLUMNS} cột); \
                     hãy xóa các ô thừa ở xa bảng"
                ),
            ));
        }
        if let Data::String(s) = &value
            && s.chars().count() > crate::limits::MAX_CELL_CHARS
        {
            return Err(XlsxProblem::at(
                name,
                row,
                col,
                format!(
                    "dài quá {} ký tự; hãy rút gọn",
                    crate::limits::MAX_CELL_CHARS
                ),
            ));
        }
        cells.insert((row, col), value);
    }
    Ok(cells)
}

/// The template of a directive's task list: the headings [`read_tasks`] knows, dates
/// formatted as dates, and a few lines of guidance above them.
pub fn tasks_template() -> Result<Vec<u8>, ReportError> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Nhiệm vụ")?;
    let bold = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_border(rust_xlsxwriter::FormatBorder::Thin);
    let date = Format::new().set_num_format("dd/mm/yyyy");
    let guide = [
        "DANH SÁCH NHIỆM VỤ CỦA VĂN BẢN CHỈ ĐẠO",
        "Mỗi dòng một nhiệm vụ. Chủ trì: tên sở, ngành hoặc đơn vị hành chính (ví dụ “Xã Kỳ Lạc”, “Sở Tài chính”); đánh x ở cột “Tất cả các xã” để giao cho từng xã thuộc đơn vị chủ trì.",
        "Phối hợp: nhiều đơn vị cách nhau bởi dấu ;. Thời hạn: ngày (dd/mm/yyyy); với nhiệm vụ định kỳ là ngày kết thúc.",
        "Lặp lại: để trống nếu chỉ có một hạn; hoặc “hằng tháng, ngày 25”, “hằng quý, ngày 15”, “6 tháng, ngày 15”, “hằng năm, 15/12”.",
    ];
    for (i, line) in guide.iter().enumerate() {
        sheet.write_string(i as u32, 0, *line)?;
    }
    let head = guide.len() as u32 + 1;
    for (j, (h, w)) in HEADINGS.iter().enumerate() {
        sheet.write_string_with_format(head, j as u16, *h, &bold)?;
        sheet.set_column_width(j as u16, *w)?;
    }
    sheet.set_column_format(5, &date)?;
    sheet.set_freeze_panes(head + 1, 0)?;
    Ok(book.save_to_buffer()?)
}

/// A row under a header row, its cells as text by the field each column's heading names;
/// `row` as Excel numbers it.
pub(crate) struct FieldRow<F> {
    pub(crate) sheet: String,
    pub(crate) row: u32,
    pub(crate) cells: Vec<(F, String)>,
}

impl<F: Copy + PartialEq> FieldRow<F> {
    /// The cell of `f`, or "" when the sheet has no such column.
    pub(crate) fn get(&self, f: F) -> String {
        self.cells
            .iter()
            .find(|(g, _)| *g == f)
            .map(|(_, t)| t.clone())
            .unwrap_or_default()
    }
}

/// The non-empty rows under the header row of every sheet that has one: the first of its
/// 20 top rows whose headings (`field` of each) `accepts`. `Ok(None)` when no sheet has a
/// header row; every unreadable cell is a problem with its place.
pub(crate) fn rows_under_header<F: Copy + PartialEq>(
    bytes: &[u8],
    field: fn(&str) -> Option<F>,
    accepts: fn(&[Option<F>]) -> bool,
) -> Result<Option<Vec<FieldRow<F>>>, Vec<XlsxProblem>> {
    let mut out = Vec::new();
    let mut problems = Vec::new();
    let mut found = false;
    for sheet in dense_sheets(bytes)? {
        let DenseSheet {
            name,
            top,
            left,
            rows,
        } = sheet;
        let header = rows.iter().take(20).enumerate().find_map(|(i, r)| {
            let fields: Vec<Option<F>> = r.iter().map(|c| field(&c.to_string())).collect();
            accepts(&fields).then_some((i, fields))
        });
        let Some((h, columns)) = header else {
            continue;
        };
        found = true;
        for (i, r) in rows.iter().enumerate().skip(h + 1) {
            let row = top + i as u32;
            let mut cells = Vec::new();
            for (j, cell) in r.iter().enumerate() {
                let Some(Some(f)) = columns.get(j) else {
                    continue;
                };
                match text_of(&name, row, left + j as u32, cell) {
                    Ok(t) => cells.push((*f, t)),
                    Err(p) => problems.push(p),
                }
            }
            if cells.iter().all(|(_, t)| t.is_empty()) {
                continue;
            }
            out.push(FieldRow {
                sheet: name.clone(),
                row: row + 1,
                cells,
            });
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(found.then_some(out))
}
