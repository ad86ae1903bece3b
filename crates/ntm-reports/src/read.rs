//! Reading a filled workbook into value rows, the XLSX twin of
//! [`ntm_data::values_file::parse_values`].
//!
//! Two layouts are accepted. Our template, recognised by its hidden sheet “ntm”: the
//! indicator of a column comes from that sheet's column map (never from header text a
//! user may have edited), the unit from the row's “Mã định danh” cell, the year from the
//! hidden sheet. Or a long-format sheet whose header row names unit, year, indicator,
//! value and optionally note, as in the CSV.
//!
//! Whatever the bytes, the reader returns: a file that is not an XLSX, an old `.xls` or a
//! password-protected workbook, formulas, merged cells, sheets that do not belong, a row
//! that lost its unit — each is a [`XlsxProblem`] in Vietnamese with sheet and cell, and
//! every problem found is reported, not only the first. Cells are read as a stream and
//! kept sparse, so a sheet that claims a huge extent costs only what it holds.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Cursor;

use calamine::{DataRef, Reader, SheetType, Xlsx, XlsxError};
use ntm_data::values_file::ValueRow;

use crate::cells::{cell_name, column_index, number_text};
use crate::template::{
    DATA_SHEET, FORMAT, GUIDE_SHEET, KEY_COLUMN, KEY_FORMAT, KEY_HEADER_ROW, KEY_SHEET, KEY_YEAR,
    META_SHEET, NOTES_SHEET,
};

/// One problem of a workbook, placed as precisely as known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XlsxProblem {
    /// The sheet concerned; `None` for the file as a whole.
    pub sheet: Option<String>,
    /// "D7", or a range "D7:E7" for merged cells.
    pub cell: Option<String>,
    /// What is wrong and what to do, in Vietnamese, without the place (see `Display`).
    pub message: String,
}

impl fmt::Display for XlsxProblem {
    /// "trang “Số liệu”, ô D7: chứa công thức; …".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.sheet, &self.cell) {
            (Some(s), Some(c)) => write!(f, "trang “{s}”, ô {c}: {}", self.message),
            (Some(s), None) => write!(f, "trang “{s}”: {}", self.message),
            (None, Some(c)) => write!(f, "ô {c}: {}", self.message),
            (None, None) => f.write_str(&self.message),
        }
    }
}

impl XlsxProblem {
    pub(crate) fn file(message: impl Into<String>) -> Self {
        XlsxProblem {
            sheet: None,
            cell: None,
            message: message.into(),
        }
    }
    pub(crate) fn sheet(sheet: &str, message: impl Into<String>) -> Self {
        XlsxProblem {
            sheet: Some(sheet.to_owned()),
            cell: None,
            message: message.into(),
        }
    }
    pub(crate) fn at(sheet: &str, row: u32, col: u32, message: impl Into<String>) -> Self {
        XlsxProblem {
            sheet: Some(sheet.to_owned()),
            cell: Some(cell_name(row, col)),
            message: message.into(),
        }
    }
}

/// The first bytes of an OLE compound file: a legacy `.xls`, or an `.xlsx` encrypted with
/// a password (Excel wraps those in an OLE container).
pub(crate) const OLE_MAGIC: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

pub(crate) use crate::limits::NOT_XLSX;
pub(crate) const PROTECTED_OR_XLS: &str =
    "tệp có mật khẩu hoặc là định dạng .xls cũ; hãy bỏ mật khẩu và lưu lại dạng .xlsx";
const FORMULA: &str = "chứa công thức; hãy dán giá trị (Paste Values)";
const MERGED: &str = "các ô bị gộp; hãy bỏ gộp ô";

/// More cells than this in one workbook is not a values file: refused before it costs the
/// server its memory. A province's template (182 units × 80 indicators) holds 15 000;
/// ten years of long format for it, 750 000.
const MAX_CELLS: usize = 2_000_000;

use crate::limits::{MAX_CELL_CHARS, MAX_COLUMNS, MAX_ROWS};
/// Rows searched for the header of a long-format sheet (titles may stand above it).
const HEADER_SEARCH_ROWS: usize = 20;

// Keep in step with ntm_data::values_file (its lists are private there).
const UNIT: &[&str] = &["unit", "unit_code", "ma_don_vi", "ma_dv"];
const YEAR: &[&str] = &["year", "nam"];
const INDICATOR: &[&str] = &["indicator", "indicator_id", "chi_tieu", "ma_chi_tieu"];
const VALUE: &[&str] = &["value", "gia_tri"];
const NOTE: &[&str] = &["note", "ghi_chu"];

/// Reads a filled workbook: our template or a long-format sheet. Never panics.
pub fn read_values(bytes: &[u8]) -> Result<Vec<ValueRow>, Vec<XlsxProblem>> {
    with_sheets(bytes, |sheets, merges| {
        if let Some(meta) = sheets.iter().find(|s| s.name == META_SHEET) {
            read_template(sheets, meta, merges)
        } else {
            read_long(sheets, merges)
        }
    })
}

/// The merged ranges of a sheet, asked for by name.
pub(crate) type Merges<'a> = dyn FnMut(&str) -> Result<Vec<calamine::Dimensions>, XlsxProblem> + 'a;

/// Opens untrusted bytes as a workbook and hands its worksheets (non-blank cells only) to
/// `read`: whatever the bytes, a list of problems in Vietnamese comes back, never a panic.
pub(crate) fn with_sheets<T>(
    bytes: &[u8],
    read: fn(&[Sheet], &mut Merges<'_>) -> Result<T, Vec<XlsxProblem>>,
) -> Result<T, Vec<XlsxProblem>> {
    if bytes.starts_with(&OLE_MAGIC) {
        return Err(vec![XlsxProblem::file(PROTECTED_OR_XLS)]);
    }
    // Every XLSX is a zip whose first entry starts with "PK"; anything else (a CSV, a PDF
    // renamed .xlsx) is refused before a parser sees it.
    if !bytes.starts_with(b"PK") {
        return Err(vec![XlsxProblem::file(NOT_XLSX)]);
    }
    crate::limits::check_archive(bytes).map_err(|m| vec![XlsxProblem::file(m)])?;
    // The zip and XML parsers are third-party code fed with untrusted bytes: should one of
    // them panic on a crafted file, the upload is refused rather than the server thread
    // lost. No panic is known (see the proptest); this is the seat belt.
    std::panic::catch_unwind(|| read_workbook(bytes, read)).unwrap_or_else(|_| {
        Err(vec![XlsxProblem::file(
            "tệp .xlsx bị hỏng, không đọc được; hãy mở bằng Excel và lưu lại",
        )])
    })
}

/// What a non-empty cell holds, owned.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Raw {
    Empty,
    Text(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Date,
    Error(String),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RawCell {
    pub(crate) value: Raw,
    pub(crate) formula: bool,
}

impl RawCell {
    fn is_blank(&self) -> bool {
        !self.formula && self.value == Raw::Empty
    }
}

/// One worksheet's non-blank cells, by (row, column), zero-based.
pub(crate) struct Sheet {
    pub(crate) name: String,
    cells: BTreeMap<(u32, u32), RawCell>,
}

impl Sheet {
    pub(crate) fn has_content(&self) -> bool {
        !self.cells.is_empty()
    }
    pub(crate) fn get(&self, row: u32, col: u32) -> Option<&RawCell> {
        self.cells.get(&(row, col))
    }
    /// The rows from `from` on, each with its cells in column order.
    pub(crate) fn rows_from(&self, from: u32) -> BTreeMap<u32, Vec<(u32, &RawCell)>> {
        let mut rows: BTreeMap<u32, Vec<(u32, &RawCell)>> = BTreeMap::new();
        for (&(r, c), cell) in self.cells.range((from, 0)..) {
            rows.entry(r).or_default().push((c, cell));
        }
        rows
    }
}

pub(crate) fn open_problem(e: &XlsxError) -> XlsxProblem {
    match e {
        XlsxError::Password => XlsxProblem::file(PROTECTED_OR_XLS),
        XlsxError::Zip(_) | XlsxError::FileNotFound(_) | XlsxError::RelationshipNotFound => {
            XlsxProblem::file(NOT_XLSX)
        }
        other => XlsxProblem::file(format!(
            "tệp .xlsx bị hỏng, không đọc được ({other}); hãy mở bằng Excel và lưu lại"
        )),
    }
}

/// Every cell of every worksheet read with calamine and dropped, and nothing else: what
/// reading a file costs before ntm does anything with it (the import benchmark's
/// reference, `docs/benchmarks.md`).
pub fn count_cells(bytes: &[u8]) -> Result<usize, String> {
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| e.to_string())?;
    let names: Vec<String> = book.sheet_names();
    let mut n = 0;
    for name in names {
        let mut reader = book
            .worksheet_cells_reader(&name)
            .map_err(|e| e.to_string())?;
        while reader
            .next_cell_with_formula_metadata()
            .map_err(|e| e.to_string())?
            .is_some()
        {
            n += 1;
        }
    }
    Ok(n)
}

fn read_workbook<T>(
    bytes: &[u8],
    read: fn(&[Sheet], &mut Merges<'_>) -> Result<T, Vec<XlsxProblem>>,
) -> Result<T, Vec<XlsxProblem>> {
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| vec![open_problem(&e)])?;
    let names: Vec<String> = book
        .sheets_metadata()
        .iter()
        .filter(|s| s.typ == SheetType::WorkSheet)
        .map(|s| s.name.clone())
        .collect();
    let mut sheets = Vec::with_capacity(names.len());
    let mut problems = Vec::new();
    let mut total = 0usize;
    for name in names {
        match read_sheet(&mut book, &name, MAX_CELLS - total) {
            Ok(sheet) => {
                total += sheet.cells.len();
                sheets.push(sheet);
            }
            Err(p) => problems.push(p),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    if !sheets.iter().any(Sheet::has_content) {
        return Err(vec![XlsxProblem::file(
            "bảng tính trống: không trang nào có số liệu",
        )]);
    }
    let mut merges = |name: &str| {
        book.merge_cells_by_sheet_name(name)
            .map_err(|e| XlsxProblem::sheet(name, format!("không đọc được các ô gộp ({e})")))
    };
    read(&sheets, &mut merges)
}

fn read_sheet(
    book: &mut Xlsx<Cursor<&[u8]>>,
    name: &str,
    budget: usize,
) -> Result<Sheet, XlsxProblem> {
    let broken = |e: XlsxError| {
        XlsxProblem::sheet(
            name,
            format!("trang bị hỏng, không đọc được ({e}); hãy mở bằng Excel và lưu lại"),
        )
    };
    let mut reader = book.worksheet_cells_reader(name).map_err(broken)?;
    let mut cells = BTreeMap::new();
    while let Some(cell) = reader.next_cell_with_formula_metadata().map_err(broken)? {
        let value = match cell.value {
            DataRef::Empty => Raw::Empty,
            DataRef::String(s) => text_or_empty(&s),
            DataRef::SharedString(s) => text_or_empty(s),
            DataRef::Int(i) => Raw::Int(i),
            DataRef::Float(f) => Raw::Float(f),
            DataRef::Bool(b) => Raw::Bool(b),
            DataRef::DateTime(_) | DataRef::DateTimeIso(_) | DataRef::DurationIso(_) => Raw::Date,
            DataRef::Error(e) => Raw::Error(e.to_string()),
        };
        let (row, col) = cell.pos;
        if row >= MAX_ROWS || col >= MAX_COLUMNS {
            return Err(XlsxProblem::at(
                name,
                row,
                col,
                format!(
                    "nằm ngoài vùng một bảng số liệu ({MAX_ROWS} dòng, {MAX_COLUMNS} cột); \
                     hãy xóa các ô thừa ở xa bảng"
                ),
            ));
        }
        if let Raw::Text(t) = &value
            && t.chars().count() > MAX_CELL_CHARS
        {
            return Err(XlsxProblem::at(
                name,
                row,
                col,
                format!("dài quá {MAX_CELL_CHARS} ký tự; hãy rút gọn"),
            ));
        }
        let raw = RawCell {
            value,
            formula: cell.formula.is_some(),
        };
        if raw.is_blank() {
            continue; // formatted but empty: the template's open cells, for one
        }
        if cells.len() >= budget {
            return Err(XlsxProblem::file(
                "bảng tính quá lớn để là một tệp số liệu (quá 2 triệu ô có dữ liệu)",
            ));
        }
        cells.insert(cell.pos, raw);
    }
    Ok(Sheet {
        name: name.to_owned(),
        cells,
    })
}

/// Whitespace-only text is as good as empty: users clear cells with a space bar.
fn text_or_empty(s: &str) -> Raw {
    let t = s.trim();
    if t.is_empty() {
        Raw::Empty
    } else {
        Raw::Text(t.to_owned())
    }
}

/// The text a value cell gives the app, or why it cannot.
pub(crate) fn cell_text(value: &Raw) -> Result<Option<String>, String> {
    match value {
        Raw::Empty => Ok(None),
        Raw::Text(t) => Ok(Some(t.clone())),
        Raw::Int(i) => Ok(Some(i.to_string())),
        Raw::Float(f) => Ok(Some(number_text(*f))),
        Raw::Bool(b) => Err(format!(
            "chứa giá trị logic {}; hãy nhập số hoặc “đạt” / “không đạt”",
            if *b { "TRUE" } else { "FALSE" }
        )),
        Raw::Date => Err(
            "chứa ngày tháng (Excel có thể đã tự đổi số thành ngày); hãy định dạng ô là số và nhập lại"
                .to_owned(),
        ),
        Raw::Error(e) => Err(format!("chứa lỗi {e}; hãy nhập lại giá trị")),
    }
}

/// The template's own sheets besides the data: the guide and the notes shown for reading.
fn is_guide(name: &str) -> bool {
    let key = ntm_core::text::search_key(name);
    key == ntm_core::text::search_key(GUIDE_SHEET) || key == ntm_core::text::search_key(NOTES_SHEET)
}

fn extra_sheet(name: &str, data_sheet: &str) -> XlsxProblem {
    XlsxProblem::sheet(
        name,
        format!("không thuộc mẫu; hãy xóa trang này hoặc chuyển số liệu vào trang “{data_sheet}”"),
    )
}

/// Merged ranges that reach row `from` or below.
pub(crate) fn merge_problems(
    sheet: &str,
    from: u32,
    merges: &mut Merges<'_>,
    problems: &mut Vec<XlsxProblem>,
) {
    match merges(sheet) {
        Ok(list) => {
            for d in list.iter().filter(|d| d.end.0 >= from) {
                problems.push(XlsxProblem {
                    sheet: Some(sheet.to_owned()),
                    cell: Some(format!(
                        "{}:{}",
                        cell_name(d.start.0, d.start.1),
                        cell_name(d.end.0, d.end.1)
                    )),
                    message: MERGED.to_owned(),
                });
            }
        }
        Err(p) => problems.push(p),
    }
}

/// What the hidden sheet says.
struct Meta {
    year: String,
    data_sheet: String,
    header_row: u32,
    /// Zero-based column → indicator id.
    columns: BTreeMap<u32, String>,
}

fn read_meta(meta: &Sheet) -> Result<Meta, Vec<XlsxProblem>> {
    let text = |r: u32, c: u32| {
        meta.get(r, c)
            .and_then(|cell| cell_text(&cell.value).ok().flatten())
    };
    let mut keys: BTreeMap<String, String> = BTreeMap::new();
    let mut columns = BTreeMap::new();
    let rows: Vec<u32> = {
        let mut r: Vec<u32> = meta.cells.keys().map(|&(r, _)| r).collect();
        r.dedup();
        r
    };
    for r in rows {
        let Some(key) = text(r, 0) else { continue };
        if key == KEY_COLUMN {
            if let (Some(letters), Some(id)) = (text(r, 1), text(r, 2))
                && let Some(col) = column_index(&letters)
            {
                columns.insert(col, id);
            }
        } else if let Some(value) = text(r, 1) {
            keys.entry(key).or_insert(value);
        }
    }
    let problem = |m: &str| vec![XlsxProblem::sheet(META_SHEET, m)];
    match keys.get(KEY_FORMAT) {
        Some(f) if f == FORMAT => {}
        Some(f) => {
            return Err(problem(&format!(
                "mẫu có định dạng “{f}” mà phiên bản này không đọc được; hãy tải mẫu mới từ hệ thống"
            )));
        }
        None => {
            return Err(problem(
                "trang ẩn “ntm” của mẫu đã bị sửa; hãy tải mẫu mới từ hệ thống",
            ));
        }
    }
    let Some(year) = keys
        .get(KEY_YEAR)
        .filter(|y| y.parse::<i32>().is_ok())
        .cloned()
    else {
        return Err(problem(
            "trang ẩn “ntm” của mẫu không ghi năm; hãy tải mẫu mới từ hệ thống",
        ));
    };
    let Some(header_row) = keys
        .get(KEY_HEADER_ROW)
        .and_then(|h| h.parse::<u32>().ok())
        .filter(|&h| h >= 1)
    else {
        return Err(problem(
            "trang ẩn “ntm” của mẫu không ghi dòng tiêu đề; hãy tải mẫu mới từ hệ thống",
        ));
    };
    Ok(Meta {
        year,
        data_sheet: keys
            .get(KEY_SHEET)
            .cloned()
            .unwrap_or_else(|| DATA_SHEET.to_owned()),
        header_row: header_row - 1,
        columns,
    })
}

fn read_template(
    sheets: &[Sheet],
    meta_sheet: &Sheet,
    merges: &mut Merges<'_>,
) -> Result<Vec<ValueRow>, Vec<XlsxProblem>> {
    let meta = read_meta(meta_sheet)?;
    let mut problems = Vec::new();
    for s in sheets {
        if s.name != meta.data_sheet
            && s.name != META_SHEET
            && !is_guide(&s.name)
            && s.has_content()
        {
            problems.push(extra_sheet(&s.name, &meta.data_sheet));
        }
    }
    let Some(data) = sheets.iter().find(|s| s.name == meta.data_sheet) else {
        problems.push(XlsxProblem::file(format!(
            "không tìm thấy trang “{}” của mẫu; đừng đổi tên hay xóa trang này",
            meta.data_sheet
        )));
        return Err(problems);
    };
    let sheet = data.name.as_str();
    let h = meta.header_row;
    merge_problems(sheet, h, merges, &mut problems);

    // A column inserted, deleted or moved shifts every indicator: caught when a header
    // shows the id of another indicator of the map than the one the map puts there.
    for (&col, id) in &meta.columns {
        let shown = data
            .get(h, col)
            .and_then(|c| cell_text(&c.value).ok().flatten())
            .and_then(|t| t.split_whitespace().next().map(str::to_owned));
        if let Some(shown) = shown
            && shown != *id
            && meta.columns.values().any(|other| *other == shown)
        {
            problems.push(XlsxProblem::at(
                sheet,
                h,
                col,
                format!(
                    "tiêu đề cột là chỉ tiêu {shown} nhưng mẫu đặt chỉ tiêu {id} ở cột này; có thể cột đã bị chèn, xóa hoặc đổi chỗ — hãy tải mẫu mới và chép lại số liệu"
                ),
            ));
        }
    }

    let first_value_col = meta.columns.keys().next().copied().unwrap_or(u32::MAX);
    let mut rows = Vec::new();
    for (r, cells) in data.rows_from(h + 1) {
        let line = usize::try_from(r).unwrap_or(usize::MAX).saturating_add(1);
        let mut unit: Option<String> = None;
        let mut values: Vec<(u32, String)> = Vec::new();
        for (c, cell) in cells {
            if c == 0 {
                if cell.formula {
                    problems.push(XlsxProblem::at(sheet, r, c, FORMULA));
                    continue;
                }
                match cell_text(&cell.value) {
                    Ok(t) => unit = t,
                    Err(m) => problems.push(XlsxProblem::at(sheet, r, c, m)),
                }
                continue;
            }
            if c < first_value_col && !meta.columns.contains_key(&c) {
                continue; // the code and name columns: shown to people, not read
            }
            if !meta.columns.contains_key(&c) {
                problems.push(XlsxProblem::at(
                    sheet,
                    r,
                    c,
                    "ô nằm ngoài các cột chỉ tiêu của mẫu; hãy xóa hoặc chuyển số liệu vào đúng cột",
                ));
                continue;
            }
            if cell.formula {
                problems.push(XlsxProblem::at(sheet, r, c, FORMULA));
                continue;
            }
            match cell_text(&cell.value) {
                Ok(Some(t)) => values.push((c, t)),
                Ok(None) => {}
                Err(m) => problems.push(XlsxProblem::at(sheet, r, c, m)),
            }
        }
        if values.is_empty() {
            continue;
        }
        let Some(unit) = unit else {
            problems.push(XlsxProblem::at(
                sheet,
                r,
                0,
                "dòng có số liệu nhưng ô “Mã định danh” trống; không sửa các cột mã — hãy điền lại mã hoặc tải mẫu mới",
            ));
            continue;
        };
        for (c, value) in values {
            rows.push(ValueRow {
                line,
                place: format!("trang “{sheet}”, ô {}", cell_name(r, c)),
                unit: unit.clone(),
                year: meta.year.clone(),
                indicator: meta.columns[&c].clone(),
                value,
                note: None,
                // A template carries values; the notes stay as stored.
                keeps_note: true,
            });
        }
    }
    if rows.is_empty() && problems.is_empty() {
        problems.push(XlsxProblem::sheet(sheet, "chưa có ô số liệu nào được nhập"));
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(problems)
    }
}

/// Columns of a long-format header row.
struct LongColumns {
    unit: u32,
    year: u32,
    indicator: u32,
    value: u32,
    note: Option<u32>,
}

/// Finds the header in the first rows of a sheet: the row that names all four required
/// columns; or else the row that names most of them, with what it lacks.
fn find_long_header(sheet: &Sheet) -> Result<(u32, LongColumns), (u32, Vec<&'static str>)> {
    let mut best: Option<(u32, Vec<&'static str>)> = None;
    for (r, cells) in sheet.rows_from(0).into_iter().take(HEADER_SEARCH_ROWS) {
        let keys: Vec<(u32, String)> = cells
            .iter()
            .filter_map(|(c, cell)| match &cell.value {
                Raw::Text(t) => Some((*c, ntm_core::text::search_key(t).replace(' ', "_"))),
                _ => None,
            })
            .collect();
        let find = |names: &[&str]| {
            keys.iter()
                .find(|(_, k)| names.contains(&k.as_str()))
                .map(|(c, _)| *c)
        };
        let (unit, year, indicator, value) = (find(UNIT), find(YEAR), find(INDICATOR), find(VALUE));
        if let (Some(unit), Some(year), Some(indicator), Some(value)) =
            (unit, year, indicator, value)
        {
            return Ok((
                r,
                LongColumns {
                    unit,
                    year,
                    indicator,
                    value,
                    note: find(NOTE),
                },
            ));
        }
        let missing: Vec<&'static str> = [
            (unit, "unit (ma_don_vi)"),
            (year, "year (nam)"),
            (indicator, "indicator (chi_tieu)"),
            (value, "value (gia_tri)"),
        ]
        .into_iter()
        .filter(|(found, _)| found.is_none())
        .map(|(_, name)| name)
        .collect();
        if missing.len() < 4 && best.as_ref().is_none_or(|(_, m)| missing.len() < m.len()) {
            best = Some((r, missing));
        }
    }
    Err(best.unwrap_or((0, Vec::new())))
}

fn read_long(sheets: &[Sheet], merges: &mut Merges<'_>) -> Result<Vec<ValueRow>, Vec<XlsxProblem>> {
    let candidates: Vec<&Sheet> = sheets
        .iter()
        .filter(|s| s.has_content() && !is_guide(&s.name))
        .collect();
    let Some(first) = candidates.first() else {
        return Err(vec![XlsxProblem::file(
            "bảng tính trống: không trang nào có số liệu",
        )]);
    };
    let mut found = None;
    let mut first_failure = None;
    for s in &candidates {
        match find_long_header(s) {
            Ok(h) => {
                found = Some((*s, h));
                break;
            }
            Err(f) => {
                if first_failure.is_none() {
                    first_failure = Some((*s, f));
                }
            }
        }
    }
    let Some((data, (h, cols))) = found else {
        let (s, (r, missing)) = first_failure.unwrap_or((first, (0, Vec::new())));
        let problem = if missing.is_empty() {
            XlsxProblem::sheet(
                &s.name,
                "không tìm thấy dòng tiêu đề có các cột unit, year, indicator, value (hoặc ma_don_vi, nam, chi_tieu, gia_tri); hãy dùng mẫu nhập số liệu của hệ thống",
            )
        } else {
            XlsxProblem::sheet(
                &s.name,
                format!(
                    "dòng tiêu đề (dòng {}) thiếu cột: {}",
                    u64::from(r) + 1,
                    missing.join(", ")
                ),
            )
        };
        return Err(vec![problem]);
    };
    let sheet = data.name.as_str();
    let mut problems = Vec::new();
    for s in &candidates {
        if s.name != data.name {
            problems.push(extra_sheet(&s.name, sheet));
        }
    }
    merge_problems(sheet, h, merges, &mut problems);

    let mut rows = Vec::new();
    for (r, _) in data.rows_from(h + 1) {
        let line = usize::try_from(r).unwrap_or(usize::MAX).saturating_add(1);
        let mut get = |c: u32| -> String {
            let Some(cell) = data.get(r, c) else {
                return String::new();
            };
            if cell.formula {
                problems.push(XlsxProblem::at(sheet, r, c, FORMULA));
                return String::new();
            }
            match cell_text(&cell.value) {
                Ok(t) => t.unwrap_or_default(),
                Err(m) => {
                    problems.push(XlsxProblem::at(sheet, r, c, m));
                    String::new()
                }
            }
        };
        let unit = get(cols.unit);
        let year = get(cols.year);
        let indicator = get(cols.indicator);
        let value = get(cols.value);
        let note = cols.note.map(&mut get).filter(|n| !n.is_empty());
        if unit.is_empty() && year.is_empty() && indicator.is_empty() && value.is_empty() {
            continue; // a row holding only other columns (a unit name, a remark)
        }
        rows.push(ValueRow {
            line,
            place: format!("trang “{sheet}”, dòng {line}"),
            unit,
            year,
            indicator,
            value,
            note,
            keeps_note: cols.note.is_none(),
        });
    }
    if rows.is_empty() && problems.is_empty() {
        problems.push(XlsxProblem::sheet(sheet, "không có dòng số liệu nào"));
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(problems)
    }
}
