//! Formatted report workbooks: the caller says what the table holds ([`Table`]), this
//! module decides how it looks in Excel and on paper.
//!
//! Layout of a sheet, top to bottom: the title (merged across all columns, bold, larger),
//! the subtitle lines, one empty row, the grouped header rows if any, the column headers,
//! the data rows, the totals (bold), one empty row and the notes. Panes are frozen below
//! the column headers and right of `freeze_columns`; the header rows repeat on every
//! printed page; the page is A4, one page wide, with "Trang n/N" in the footer.
//!
//! Numbers stay numbers so users can compute with them: an integer with format `0`, a
//! decimal with exactly its places (`#,##0.00`), and a percentage (given 0..100) written
//! divided by 100 with format `0.00%`, so that Excel formulas see a real percentage (85.5
//! shows "85.50%" and computes as 0.855).

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder, Workbook, Worksheet};

use crate::ReportError;
use crate::cells::{fixed_properties, lines_needed, sheet_name};

/// What a cell holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CellValue {
    Text(String),
    Int(i64),
    /// A decimal shown with exactly `places` decimals (at most 10).
    Decimal {
        value: Decimal,
        places: u32,
    },
    /// A percentage given as 0..100; written as value / 100 with format `0.00%`.
    Percent(Decimal),
    Empty,
}

/// How a cell is coloured: met green, unmet red, unknown amber (Excel's own "Good",
/// "Bad" and "Neutral" colours, which users recognise), or bold for emphasis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tone {
    #[default]
    Plain,
    Good,
    Bad,
    Unknown,
    Emphasis,
}

/// One cell of a data or totals row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    pub value: CellValue,
    /// Fill or emphasis; a totals row is bold whatever its tone.
    pub tone: Tone,
}

impl Cell {
    /// A plain text cell.
    pub fn text(text: impl Into<String>) -> Self {
        CellValue::Text(text.into()).into()
    }
    /// A plain integer cell.
    pub fn int(value: i64) -> Self {
        CellValue::Int(value).into()
    }
    /// A plain decimal cell shown with `places` decimals.
    pub fn decimal(value: Decimal, places: u32) -> Self {
        CellValue::Decimal { value, places }.into()
    }
    /// A plain percentage cell (`value` in 0..100).
    pub fn percent(value: Decimal) -> Self {
        CellValue::Percent(value).into()
    }
    /// An empty cell (still bordered).
    pub fn empty() -> Self {
        CellValue::Empty.into()
    }
    /// The same cell with another tone.
    pub fn with_tone(self, tone: Tone) -> Self {
        Cell { tone, ..self }
    }
}

impl From<CellValue> for Cell {
    fn from(value: CellValue) -> Self {
        Cell {
            value,
            tone: Tone::Plain,
        }
    }
}

/// A column: its header (the lowest header row) and its width in Excel character units.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// Header text; wrapped, so `\n` breaks a line where wanted.
    pub header: String,
    /// Width in Excel character units (the width of "0" in the default font).
    pub width: f64,
}

impl Column {
    /// A column with a header and a width.
    pub fn new(header: impl Into<String>, width: f64) -> Self {
        Column {
            header: header.into(),
            width,
        }
    }
}

/// One sheet of a report workbook.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Sheet name; made acceptable to Excel (≤ 31 characters, no `[ ] : * ? / \`, unique).
    pub sheet: String,
    /// The big title row, merged across the columns.
    pub title: String,
    /// Lines under the title: scope, criteria set, "Số liệu minh họa…" when illustrative.
    pub subtitle: Vec<String>,
    /// The columns, left to right; every row has at most this many cells (shorter rows
    /// are padded with empty bordered cells).
    pub columns: Vec<Column>,
    /// Grouped header rows above the column headers, each a list of (text, colspan) laid
    /// left to right. A cell with empty text and colspan 1 lets the column header below
    /// extend upwards into it (merged vertically), the usual "STT" / "Đơn vị" layout.
    pub header_rows: Vec<Vec<(String, u16)>>,
    /// The data rows.
    pub rows: Vec<Vec<Cell>>,
    /// Total / average rows, bold, after the data rows.
    pub totals: Vec<Vec<Cell>>,
    /// Footnotes: formulas used, sources.
    pub notes: Vec<String>,
    /// Print in landscape (always one page wide, as many pages long as needed).
    pub landscape: bool,
    /// Panes are frozen below the header and right of this many columns.
    pub freeze_columns: u16,
}

/// Excel's A4 paper size code.
const PAPER_A4: u8 = 9;
/// Widest number of decimals a format is built with; more is noise on paper.
const MAX_PLACES: u32 = 10;
/// Height of one line of 11-point text, in points.
const LINE: f64 = 15.0;
/// Average character widths, in column units, for `lines_needed`.
const BODY: f64 = 0.95;
const BOLD: f64 = 1.1;
const TITLE: f64 = 1.3;

/// Writes one sheet per table into an XLSX workbook. The same input gives the same
/// bytes (fixed document creation time).
pub fn workbook(tables: &[Table]) -> Result<Vec<u8>, ReportError> {
    let Some(first) = tables.first() else {
        return Err(ReportError::Invalid {
            sheet: String::new(),
            message: "không có bảng nào để ghi".into(),
        });
    };
    let mut book = Workbook::new();
    book.set_properties(&fixed_properties(&first.title)?);
    let mut names: Vec<String> = Vec::with_capacity(tables.len());
    for (i, table) in tables.iter().enumerate() {
        let name = sheet_name(&table.sheet, i, &names);
        let sheet = book.add_worksheet();
        sheet.set_name(&name)?;
        write_table(sheet, table).map_err(|e| match e {
            ReportError::Invalid { message, .. } => ReportError::Invalid {
                sheet: name.clone(),
                message,
            },
            other => other,
        })?;
        names.push(name);
    }
    Ok(book.save_to_buffer()?)
}

fn invalid(message: impl Into<String>) -> ReportError {
    // The sheet name is filled in by the caller, which knows it.
    ReportError::Invalid {
        sheet: String::new(),
        message: message.into(),
    }
}

fn write_table(sheet: &mut Worksheet, table: &Table) -> Result<(), ReportError> {
    let ncols = table.columns.len();
    if ncols == 0 {
        return Err(invalid("bảng không có cột nào"));
    }
    let ncols_u16 = u16::try_from(ncols).map_err(|_| invalid("bảng có quá nhiều cột"))?;
    let last_col = ncols_u16 - 1;
    for (i, row) in table.rows.iter().chain(&table.totals).enumerate() {
        if row.len() > ncols {
            return Err(invalid(format!(
                "dòng {} có {} ô nhưng bảng chỉ có {ncols} cột",
                i + 1,
                row.len()
            )));
        }
    }
    let total_width: f64 = table.columns.iter().map(|c| c.width.max(1.0)).sum();
    for (c, column) in (0u16..).zip(&table.columns) {
        sheet.set_column_width(c, column.width.max(1.0))?;
    }

    let mut r: u32 = 0;
    // Title.
    let title_format = Format::new()
        .set_bold()
        .set_font_size(14)
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_text_wrap();
    write_merged(sheet, r, last_col, &table.title, &title_format)?;
    // Merged cells do not grow with their text: the height is estimated.
    sheet.set_row_height(r, 21.0 * lines_needed(&table.title, total_width, TITLE))?;
    r += 1;
    let subtitle_format = Format::new()
        .set_italic()
        .set_align(FormatAlign::Center)
        .set_text_wrap();
    for line in &table.subtitle {
        write_merged(sheet, r, last_col, line, &subtitle_format)?;
        sheet.set_row_height(r, LINE * lines_needed(line, total_width, BODY))?;
        r += 1;
    }
    r += 1; // breathing space between the title block and the table

    let header_top = r;
    let header_format = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_border(FormatBorder::Thin)
        .set_background_color(Color::RGB(0x00DD_EBF7));
    let column_header_row = write_headers(sheet, table, header_top, &header_format)?;
    r = column_header_row + 1;
    let first_data_row = r;

    for row in &table.rows {
        write_row(sheet, r, row, &table.columns, false)?;
        r += 1;
    }
    for row in &table.totals {
        write_row(sheet, r, row, &table.columns, true)?;
        r += 1;
    }

    if !table.notes.is_empty() {
        r += 1;
        let note_format = Format::new()
            .set_italic()
            .set_text_wrap()
            .set_align(FormatAlign::Top);
        for note in &table.notes {
            write_merged(sheet, r, last_col, note, &note_format)?;
            sheet.set_row_height(r, LINE * lines_needed(note, total_width, BODY))?;
            r += 1;
        }
    }

    sheet.set_freeze_panes(first_data_row, table.freeze_columns.min(last_col))?;
    sheet.set_paper_size(PAPER_A4);
    if table.landscape {
        sheet.set_landscape();
    } else {
        sheet.set_portrait();
    }
    sheet.set_print_fit_to_pages(1, 0);
    sheet.set_repeat_rows(header_top, column_header_row)?;
    sheet.set_footer("&CTrang &P/&N");
    Ok(())
}

/// Writes text across columns 0..=last_col of a row, merged when there is more than one
/// column (a single cell cannot be merged).
fn write_merged(
    sheet: &mut Worksheet,
    row: u32,
    last_col: u16,
    text: &str,
    format: &Format,
) -> Result<(), ReportError> {
    if last_col == 0 {
        sheet.write_string_with_format(row, 0, text, format)?;
    } else {
        sheet.merge_range(row, 0, row, last_col, text, format)?;
    }
    Ok(())
}

#[derive(Clone)]
enum Slot<'a> {
    Free,
    Start(&'a str, u16),
    Covered,
}

/// Writes the grouped header rows and the column headers; returns the row of the column
/// headers.
fn write_headers(
    sheet: &mut Worksheet,
    table: &Table,
    top: u32,
    format: &Format,
) -> Result<u32, ReportError> {
    let ncols = table.columns.len();
    let groups = &table.header_rows;
    let mut grid: Vec<Vec<Slot<'_>>> = Vec::with_capacity(groups.len());
    for (h, group) in groups.iter().enumerate() {
        let mut slots = vec![Slot::Free; ncols];
        let mut c = 0usize;
        for (text, span) in group {
            let span = usize::from((*span).max(1));
            if c + span > ncols {
                return Err(invalid(format!(
                    "dòng tiêu đề nhóm {} rộng hơn {ncols} cột của bảng",
                    h + 1
                )));
            }
            slots[c] = Slot::Start(text, u16::try_from(span).expect("span came from a u16"));
            for slot in &mut slots[c + 1..c + span] {
                *slot = Slot::Covered;
            }
            c += span;
        }
        grid.push(slots);
    }
    let height = u32::try_from(groups.len()).map_err(|_| invalid("quá nhiều dòng tiêu đề"))?;
    let column_row = top + height;

    // For each column, the highest group row from which the column header may extend
    // down: every slot from there on is free or an empty single cell.
    let extend_from: Vec<usize> = (0..ncols)
        .map(|c| {
            let mut h0 = grid.len();
            while h0 > 0 && matches!(grid[h0 - 1][c], Slot::Free | Slot::Start("", 1)) {
                h0 -= 1;
            }
            h0
        })
        .collect();

    for (h, slots) in grid.iter().enumerate() {
        let row = top + u32::try_from(h).expect("fewer rows than u32");
        for (c, slot) in slots.iter().enumerate() {
            if h >= extend_from[c] {
                continue; // part of the column header's vertical merge
            }
            let col = u16::try_from(c).expect("column count checked to fit u16");
            match slot {
                Slot::Start(text, span) if *span > 1 => {
                    sheet.merge_range(row, col, row, col + span - 1, text, format)?;
                }
                Slot::Start(text, _) if !text.is_empty() => {
                    sheet.write_string_with_format(row, col, *text, format)?;
                }
                Slot::Start(..) | Slot::Free => {
                    sheet.write_blank(row, col, format)?;
                }
                Slot::Covered => {}
            }
        }
    }
    // Heights, since wrapped headers are not reliably grown by the reader of the file:
    // each group row fits its tallest text; the column header row fits its own texts and
    // whatever the vertically merged headers still need below the group rows they span.
    let width = |c: usize, span: usize| -> f64 {
        table.columns[c..c + span]
            .iter()
            .map(|col| col.width.max(1.0))
            .sum()
    };
    let mut heights = Vec::with_capacity(grid.len());
    for (h, slots) in grid.iter().enumerate() {
        let lines = slots
            .iter()
            .enumerate()
            .filter(|(c, _)| h < extend_from[*c])
            .map(|(c, slot)| match slot {
                Slot::Start(text, span) => lines_needed(text, width(c, usize::from(*span)), BOLD),
                _ => 1.0,
            })
            .fold(1.0, f64::max);
        heights.push(LINE * lines);
    }
    let column_height = table
        .columns
        .iter()
        .enumerate()
        .map(|(c, column)| {
            let need = LINE * lines_needed(&column.header, width(c, 1), BOLD);
            need - heights[extend_from[c]..].iter().sum::<f64>()
        })
        .fold(LINE, f64::max);
    for (row, height) in (top..).zip(&heights) {
        sheet.set_row_height(row, *height)?;
    }
    sheet.set_row_height(column_row, column_height)?;

    for (c, column) in table.columns.iter().enumerate() {
        let col = u16::try_from(c).expect("column count checked to fit u16");
        let from = top + u32::try_from(extend_from[c]).expect("fewer rows than u32");
        if from < column_row {
            sheet.merge_range(from, col, column_row, col, &column.header, format)?;
        } else {
            sheet.write_string_with_format(column_row, col, &column.header, format)?;
        }
    }
    Ok(column_row)
}

fn write_row(
    sheet: &mut Worksheet,
    row: u32,
    cells: &[Cell],
    columns: &[Column],
    total: bool,
) -> Result<(), ReportError> {
    let ncols = columns.len();
    let blank = Cell::empty();
    let mut lines: f64 = 1.0;
    for (cell, column) in cells.iter().zip(columns) {
        if let CellValue::Text(text) = &cell.value {
            let char_width = if total || cell.tone == Tone::Emphasis {
                BOLD
            } else {
                BODY
            };
            lines = lines.max(lines_needed(text, column.width.max(1.0), char_width));
        }
    }
    if lines > 1.0 {
        sheet.set_row_height(row, LINE * lines)?;
    }
    for c in 0..ncols {
        let cell = cells.get(c).unwrap_or(&blank);
        let col = u16::try_from(c).expect("column count checked to fit u16");
        let format = cell_format(&cell.value, cell.tone, total);
        match &cell.value {
            CellValue::Text(text) => {
                sheet.write_string_with_format(row, col, text, &format)?;
            }
            CellValue::Int(i) => {
                // Report integers are counts and years, far below 2^53.
                sheet.write_number_with_format(row, col, *i as f64, &format)?;
            }
            CellValue::Decimal { value, .. } => {
                sheet.write_number_with_format(row, col, to_f64(*value), &format)?;
            }
            CellValue::Percent(value) => {
                let fraction = value.checked_div(Decimal::ONE_HUNDRED).unwrap_or(*value);
                sheet.write_number_with_format(row, col, to_f64(fraction), &format)?;
            }
            CellValue::Empty => {
                sheet.write_blank(row, col, &format)?;
            }
        }
    }
    Ok(())
}

fn to_f64(d: Decimal) -> f64 {
    // Every Decimal has an f64 approximation; `None` is not produced for finite decimals.
    d.to_f64().unwrap_or(0.0)
}

fn cell_format(value: &CellValue, tone: Tone, total: bool) -> Format {
    let mut f = Format::new()
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::VerticalCenter);
    f = match value {
        CellValue::Text(_) | CellValue::Empty => f.set_text_wrap(),
        CellValue::Int(_) => f.set_num_format("0"),
        CellValue::Decimal { places, .. } => f.set_num_format(decimal_format(*places)),
        CellValue::Percent(_) => f.set_num_format("0.00%"),
    };
    f = match tone {
        Tone::Plain => f,
        Tone::Good => f
            .set_background_color(Color::RGB(0x00C6_EFCE))
            .set_font_color(Color::RGB(0x0000_6100)),
        Tone::Bad => f
            .set_background_color(Color::RGB(0x00FF_C7CE))
            .set_font_color(Color::RGB(0x009C_0006)),
        Tone::Unknown => f
            .set_background_color(Color::RGB(0x00FF_EB9C))
            .set_font_color(Color::RGB(0x009C_5700)),
        Tone::Emphasis => f.set_bold(),
    };
    if total { f.set_bold() } else { f }
}

fn decimal_format(places: u32) -> String {
    let places = places.min(MAX_PLACES) as usize;
    if places == 0 {
        "#,##0".to_owned()
    } else {
        format!("#,##0.{}", "0".repeat(places))
    }
}
