//! The draft of an urging letter (văn bản đôn đốc) as a .docx: the office's reminder to
//! the bodies whose tasks are overdue, laid out as Vietnam's administrative documents must
//! be (Nghị định 30/2020/NĐ-CP, Phụ lục I), so that a clerk only fills in the number and
//! the date, signs and sends it.
//!
//! Layout, top to bottom: the heading (a borderless table: the issuing body, its number
//! and the summary line on the left; the national title, the motto and the place and date
//! on the right), "Kính gửi:" with the recipients, the opening paragraphs, the table of
//! overdue tasks, the closing paragraphs, and the signature block (a borderless table:
//! "Nơi nhận:" on the left, the signer on the right). The page is A4 with margins 20 mm top
//! and bottom, 30 mm left and 15 mm right; Times New Roman 14 pt, Vietnamese; pages from
//! the second on are numbered at the top centre.
//!
//! The OOXML is written by hand rather than through a .docx crate: the one candidate
//! (docx-rs) writes run properties out of the schema's order (the font after bold and
//! italic), which Word may silently drop, cannot set the language, and would bring a
//! second zip and XML library. What a letter needs is small: paragraphs, runs, three
//! tables and one section.

use std::fmt::Write as _;
use std::io::{Cursor, Write as _};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

use crate::ReportError;

/// An urging letter to be drafted. Texts are printed as given (except the parts the
/// standard wants in upper case); lines break where a text has `\n`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UrgingLetter {
    /// The issuing body's parent, e.g. "UBND TỈNH HÀ TĨNH": line 1 of the heading's left
    /// column, printed upper case.
    pub authority: String,
    /// The issuing body, e.g. "VĂN PHÒNG ĐIỀU PHỐI NÔNG THÔN MỚI": printed upper case and
    /// bold, with a short rule under it.
    pub issuer: String,
    /// The number and symbol, e.g. "Số:      /VPĐP-NV": the number is left blank in a
    /// draft because only the clerk who registers the letter gives it.
    pub number: String,
    /// Place of issue, e.g. "Hà Tĩnh": it starts the date line.
    pub place: String,
    /// (day, month, year) of the letter. `None` prints "ngày     tháng     năm 20..", for
    /// the date is the day it is signed, which a draft does not know.
    pub date: Option<(u32, u32, i32)>,
    /// The summary line under the number, e.g. "V/v đôn đốc thực hiện các nhiệm vụ quá
    /// hạn".
    pub subject: String,
    /// The recipients after "Kính gửi:", one per line, punctuated by the caller (with
    /// several, usually "- Sở …;" and a "." after the last). A single one goes on the
    /// same line as "Kính gửi:".
    pub recipients: Vec<String>,
    /// Body paragraphs before the table of tasks (the grounds, what the office found).
    pub opening: Vec<String>,
    /// The overdue tasks, printed as a numbered table; with none the table is left out.
    pub tasks: Vec<UrgedTask>,
    /// Body paragraphs after the table: the request, the deadline for reporting back
    /// (and "./." at the end of the last one, if the caller follows that custom).
    pub closing: Vec<String>,
    /// The "Nơi nhận:" lines, each as typed by the caller (starting with "- ", ending with
    /// ";" or ".").
    pub copies: Vec<String>,
    /// The signer's title block, e.g. ["KT. CHÁNH VĂN PHÒNG", "PHÓ CHÁNH VĂN PHÒNG"]:
    /// printed upper case and bold.
    pub signer_title: Vec<String>,
    /// The signer's name, printed bold under the space for the signature; may be empty
    /// in a draft.
    pub signer_name: String,
}

/// One row of the table of overdue tasks.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UrgedTask {
    /// The directive that assigned the task, e.g. "Thông báo số 61/TB-BCĐ ngày
    /// 22/02/2022".
    pub directive: String,
    /// The task's number in the directive, e.g. "2.1": printed bold before the text so
    /// that the recipient can find it in the directive. May be empty.
    pub code: String,
    /// What was to be done.
    pub text: String,
    /// The deadline as it should read, e.g. "31/5/2022".
    pub deadline: String,
    /// Days past the deadline on the day the letter was drafted.
    pub days_overdue: i64,
    /// The latest progress report, or "Chưa báo cáo".
    pub latest_progress: String,
}

/// Writes the letter as a .docx. The same letter always gives the same bytes.
///
/// Fails on a date that does not exist (day 31 of April, month 13…); writing the archive
/// into memory does not fail in practice.
pub fn urging_letter(letter: &UrgingLetter) -> Result<Vec<u8>, ReportError> {
    let date = date_line(&letter.place, letter.date)?;
    let mut body = String::new();
    heading(&mut body, letter, &date);
    salutation(&mut body, &letter.recipients);
    for text in &letter.opening {
        paragraph(&mut body, BODY, &[(text, NORMAL)]);
    }
    if !letter.tasks.is_empty() {
        task_table(&mut body, &letter.tasks);
    }
    for text in &letter.closing {
        paragraph(&mut body, BODY, &[(text, NORMAL)]);
    }
    signature(&mut body, letter);
    section(&mut body);
    package(&body).map_err(|e| ReportError::Letter(format!("không ghi được tệp .docx: {e}")))
}

// --- Page geometry, in twips (1/1440 inch; 1 mm ≈ 56.7 twips) -----------------------

const PAGE_WIDTH: u32 = 11906;
const PAGE_HEIGHT: u32 = 16838;
const MARGIN_TOP: u32 = 1134; // 20 mm
const MARGIN_BOTTOM: u32 = 1134; // 20 mm
const MARGIN_LEFT: u32 = 1701; // 30 mm
const MARGIN_RIGHT: u32 = 851; // 15 mm
/// The width between the margins, which every table fills.
const TEXT_WIDTH: u32 = PAGE_WIDTH - MARGIN_LEFT - MARGIN_RIGHT;

/// Heading columns: about 40 % for the issuer, the rest for the national title, which
/// must fit on one line at 13 pt bold.
const HEADING_LEFT: u32 = 3686;
const HEADING_COLUMNS: [u32; 2] = [HEADING_LEFT, TEXT_WIDTH - HEADING_LEFT];
/// Signature columns: "Nơi nhận:" left, the signer right.
const SIGNATURE_LEFT: u32 = 4111;
const SIGNATURE_COLUMNS: [u32; 2] = [SIGNATURE_LEFT, TEXT_WIDTH - SIGNATURE_LEFT];
/// TT | Văn bản chỉ đạo | Nhiệm vụ | Hạn | Số ngày quá hạn | Tiến độ gần nhất: the task
/// text gets the most room, the numbers the least; "30/12/2022" fits on one line.
const TASK_COLUMNS: [u32; 6] = [510, 1701, 3005, 1247, 1020, 1871];
const TASK_HEADERS: [&str; 6] = [
    "TT",
    "Văn bản chỉ đạo",
    "Nhiệm vụ",
    "Hạn",
    "Số ngày quá hạn",
    "Tiến độ gần nhất",
];
/// Blank lines left for the signature and the seal.
const SIGNATURE_SPACE: usize = 4;

const NATIONAL_TITLE: &str = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM";
const MOTTO: &str = "Độc lập - Tự do - Hạnh phúc";

// --- Character and paragraph formats ---------------------------------------------------

/// A run's look; sizes are in half-points, as OOXML counts them.
#[derive(Debug, Clone, Copy)]
struct Font {
    size: u32,
    bold: bool,
    italic: bool,
    underline: bool,
}

const fn font(size: u32) -> Font {
    Font {
        size,
        bold: false,
        italic: false,
        underline: false,
    }
}

const fn bold(size: u32) -> Font {
    Font {
        bold: true,
        ..font(size)
    }
}

const NORMAL: Font = font(28);

/// A paragraph's look: alignment, spacing (twips; `line` in 240ths of a line) and
/// indents (twips).
#[derive(Debug, Clone, Copy)]
struct Layout {
    align: &'static str,
    before: u32,
    after: u32,
    line: u32,
    first_line: u32,
    left: u32,
    hanging: u32,
    keep_next: bool,
}

/// Single-spaced, centred, no spacing: the heading and signature blocks.
const CENTRED: Layout = Layout {
    align: "center",
    before: 0,
    after: 0,
    line: 240,
    first_line: 0,
    left: 0,
    hanging: 0,
    keep_next: false,
};

const LEFT: Layout = Layout {
    align: "left",
    ..CENTRED
};

/// Body text: justified, first line indented 1 cm, 1.2 lines, 6 pt after.
const BODY: Layout = Layout {
    align: "both",
    after: 120,
    line: 288,
    first_line: 567,
    ..CENTRED
};

/// Text inside the task table: a little air above and below, no indent.
const CELL: Layout = Layout {
    before: 40,
    after: 40,
    ..CENTRED
};

// --- Blocks ----------------------------------------------------------------------------

fn heading(out: &mut String, letter: &UrgingLetter, date: &str) {
    table_start(out, &HEADING_COLUMNS, false);

    out.push_str("<w:tr>");
    cell_start(out, HEADING_COLUMNS[0], "top");
    paragraph(
        out,
        CENTRED,
        &[(&letter.authority.to_uppercase(), font(26))],
    );
    paragraph(out, CENTRED, &[(&letter.issuer.to_uppercase(), bold(26))]);
    // The standard's short rule under the issuer, a third of the column: a paragraph
    // border, which Word and LibreOffice both draw between the paragraph's indents.
    let rule_indent = HEADING_COLUMNS[0] / 3;
    rule(out, rule_indent);
    out.push_str("</w:tc>");
    cell_start(out, HEADING_COLUMNS[1], "top");
    paragraph(out, CENTRED, &[(NATIONAL_TITLE, bold(26))]);
    let motto = Font {
        underline: true,
        ..bold(28)
    };
    paragraph(out, CENTRED, &[(MOTTO, motto)]);
    out.push_str("</w:tc></w:tr>");

    out.push_str("<w:tr>");
    cell_start(out, HEADING_COLUMNS[0], "top");
    let spaced = Layout {
        before: 120,
        ..CENTRED
    };
    paragraph(out, spaced, &[(&letter.number, font(26))]);
    paragraph(out, CENTRED, &[(&letter.subject, font(24))]);
    out.push_str("</w:tc>");
    cell_start(out, HEADING_COLUMNS[1], "top");
    let italic = Font {
        italic: true,
        ..NORMAL
    };
    paragraph(out, spaced, &[(date, italic)]);
    out.push_str("</w:tc></w:tr>");

    out.push_str("</w:tbl>");
    empty_paragraph(out, CENTRED, NORMAL.size);
}

/// "Kính gửi:" and the recipients: one on the same line, centred; several as a column
/// aligned after "Kính gửi:", which hangs to its left.
fn salutation(out: &mut String, recipients: &[String]) {
    const LABEL: &str = "Kính gửi:";
    let spaced = Layout {
        before: 60,
        after: 60,
        keep_next: true,
        ..CENTRED
    };
    match recipients {
        [] => paragraph(out, spaced, &[(LABEL, NORMAL)]),
        [one] => {
            let layout = Layout {
                after: 120,
                ..spaced
            };
            paragraph(
                out,
                layout,
                &[(LABEL, NORMAL), (" ", NORMAL), (one, NORMAL)],
            );
        }
        [first, rest @ ..] => {
            let column = Layout {
                align: "left",
                left: 2835,
                after: 0,
                ..spaced
            };
            let first_line = Layout {
                before: 60,
                hanging: 1275,
                ..column
            };
            paragraph(
                out,
                first_line,
                &[(LABEL, NORMAL), ("\t", NORMAL), (first, NORMAL)],
            );
            for (i, recipient) in rest.iter().enumerate() {
                let last = i + 1 == rest.len();
                let layout = Layout {
                    after: if last { 120 } else { 0 },
                    keep_next: !last,
                    ..column
                };
                paragraph(out, layout, &[(recipient, NORMAL)]);
            }
        }
    }
}

fn task_table(out: &mut String, tasks: &[UrgedTask]) {
    const CONTENT: Font = font(24);
    table_start(out, &TASK_COLUMNS, true);

    // Repeated at the top of every page the table runs onto.
    out.push_str("<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>");
    for (header, width) in TASK_HEADERS.iter().zip(TASK_COLUMNS) {
        cell_start(out, width, "center");
        paragraph(out, CELL, &[(header, bold(24))]);
        out.push_str("</w:tc>");
    }
    out.push_str("</w:tr>");

    let left = Layout {
        align: "left",
        ..CELL
    };
    for (i, task) in tasks.iter().enumerate() {
        out.push_str("<w:tr><w:trPr><w:cantSplit/></w:trPr>");
        let [tt, directive, text, deadline, days, progress] = TASK_COLUMNS;
        let number = (i + 1).to_string();
        cell(out, tt, CELL, &[(&number, CONTENT)]);
        cell(out, directive, left, &[(&task.directive, CONTENT)]);
        let code = if task.code.is_empty() {
            String::new()
        } else {
            format!("{}. ", task.code)
        };
        // Left-aligned: justified text in a narrow column is full of holes.
        cell(out, text, left, &[(&code, bold(24)), (&task.text, CONTENT)]);
        cell(out, deadline, CELL, &[(&task.deadline, CONTENT)]);
        let overdue = task.days_overdue.to_string();
        cell(out, days, CELL, &[(&overdue, CONTENT)]);
        cell(out, progress, left, &[(&task.latest_progress, CONTENT)]);
        out.push_str("</w:tr>");
    }

    out.push_str("</w:tbl>");
    // Word joins two tables that touch; the paragraph also gives the closing its room.
    empty_paragraph(out, LEFT, 12);
}

fn signature(out: &mut String, letter: &UrgingLetter) {
    empty_paragraph(out, LEFT, 16);
    table_start(out, &SIGNATURE_COLUMNS, false);
    // Kept on one page: the copies and the signer are read together.
    out.push_str("<w:tr><w:trPr><w:cantSplit/></w:trPr>");

    cell_start(out, SIGNATURE_COLUMNS[0], "top");
    let label = Font {
        italic: true,
        ..bold(24)
    };
    paragraph(out, LEFT, &[("Nơi nhận:", label)]);
    for copy in &letter.copies {
        paragraph(out, LEFT, &[(copy, font(22))]);
    }
    out.push_str("</w:tc>");

    cell_start(out, SIGNATURE_COLUMNS[1], "top");
    if letter.signer_title.is_empty() {
        empty_paragraph(out, CENTRED, NORMAL.size);
    }
    for title in &letter.signer_title {
        paragraph(out, CENTRED, &[(&title.to_uppercase(), bold(28))]);
    }
    for _ in 0..SIGNATURE_SPACE {
        empty_paragraph(out, CENTRED, NORMAL.size);
    }
    paragraph(out, CENTRED, &[(&letter.signer_name, bold(28))]);
    out.push_str("</w:tc>");

    out.push_str("</w:tr></w:tbl>");
    // A body must end with a paragraph, not a table.
    empty_paragraph(out, LEFT, 4);
}

/// "Hà Tĩnh, ngày 05 tháng 02 năm 2026": days below 10 and the months 1 and 2 take a
/// leading zero, as the decree requires, so that nobody can add a digit later.
fn date_line(place: &str, date: Option<(u32, u32, i32)>) -> Result<String, ReportError> {
    let Some((day, month, year)) = date else {
        return Ok(format!("{place}, ngày     tháng     năm 20.."));
    };
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(month, year) {
        return Err(ReportError::Letter(format!(
            "ngày {day}/{month}/{year} không có thật"
        )));
    }
    let month = if month <= 2 {
        format!("{month:02}")
    } else {
        month.to_string()
    };
    Ok(format!("{place}, ngày {day:02} tháng {month} năm {year}"))
}

fn days_in_month(month: u32, year: i32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        _ => 31,
    }
}

// --- WordprocessingML ------------------------------------------------------------------

/// Opens a fixed-layout table of the given column widths, bordered or not. Cell margins
/// are zero on the sides in borderless tables so that their text lines up with the body.
fn table_start(out: &mut String, columns: &[u32], bordered: bool) {
    let width: u32 = columns.iter().sum();
    let border = if bordered {
        r#"w:val="single" w:sz="4" w:space="0" w:color="auto""#
    } else {
        r#"w:val="nil""#
    };
    let side_margin = if bordered { 57 } else { 0 };
    let _ = write!(
        out,
        r#"<w:tbl><w:tblPr><w:tblW w:w="{width}" w:type="dxa"/><w:jc w:val="center"/><w:tblBorders>"#
    );
    for side in ["top", "left", "bottom", "right", "insideH", "insideV"] {
        let _ = write!(out, "<w:{side} {border}/>");
    }
    let _ = write!(
        out,
        r#"</w:tblBorders><w:tblLayout w:type="fixed"/><w:tblCellMar><w:top w:w="0" w:type="dxa"/><w:left w:w="{side_margin}" w:type="dxa"/><w:bottom w:w="0" w:type="dxa"/><w:right w:w="{side_margin}" w:type="dxa"/></w:tblCellMar><w:tblLook w:val="0000" w:firstRow="0" w:lastRow="0" w:firstColumn="0" w:lastColumn="0" w:noHBand="1" w:noVBand="1"/></w:tblPr><w:tblGrid>"#
    );
    for column in columns {
        let _ = write!(out, r#"<w:gridCol w:w="{column}"/>"#);
    }
    out.push_str("</w:tblGrid>");
}

fn cell_start(out: &mut String, width: u32, v_align: &str) {
    let _ = write!(
        out,
        r#"<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/><w:vAlign w:val="{v_align}"/></w:tcPr>"#
    );
}

fn cell(out: &mut String, width: u32, layout: Layout, runs: &[(&str, Font)]) {
    cell_start(out, width, "center");
    paragraph(out, layout, runs);
    out.push_str("</w:tc>");
}

/// A paragraph of runs; a `\n` in a text breaks the line, a `\t` is a tab.
fn paragraph(out: &mut String, layout: Layout, runs: &[(&str, Font)]) {
    out.push_str("<w:p>");
    paragraph_properties(out, layout, runs.first().map_or(NORMAL.size, |r| r.1.size));
    for (text, font) in runs {
        run(out, text, *font);
    }
    out.push_str("</w:p>");
}

/// A paragraph with no text, whose height is that of a line at `size` half-points.
fn empty_paragraph(out: &mut String, layout: Layout, size: u32) {
    out.push_str("<w:p>");
    paragraph_properties(out, layout, size);
    out.push_str("</w:p>");
}

/// A horizontal rule between indents of `indent` twips on both sides.
fn rule(out: &mut String, indent: u32) {
    let _ = write!(
        out,
        r#"<w:p><w:pPr><w:pBdr><w:top w:val="single" w:sz="6" w:space="1" w:color="auto"/></w:pBdr><w:spacing w:before="60" w:after="0" w:line="240" w:lineRule="auto"/><w:ind w:left="{indent}" w:right="{indent}"/><w:jc w:val="center"/><w:rPr><w:sz w:val="8"/><w:szCs w:val="8"/></w:rPr></w:pPr></w:p>"#
    );
}

/// `w:pPr`, its children in the order the schema requires (Word drops what is out of
/// order). `mark_size` sizes the paragraph mark, which sets an empty paragraph's height.
fn paragraph_properties(out: &mut String, layout: Layout, mark_size: u32) {
    out.push_str("<w:pPr>");
    if layout.keep_next {
        out.push_str("<w:keepNext/>");
    }
    if layout.hanging > 0 {
        // Where the text after a hanging label starts, for word processors that do not
        // treat the indent as a tab stop by themselves.
        let _ = write!(
            out,
            r#"<w:tabs><w:tab w:val="left" w:pos="{}"/></w:tabs>"#,
            layout.left
        );
    }
    let _ = write!(
        out,
        r#"<w:spacing w:before="{}" w:after="{}" w:line="{}" w:lineRule="auto"/>"#,
        layout.before, layout.after, layout.line
    );
    if layout.left + layout.first_line + layout.hanging > 0 {
        let _ = write!(out, r#"<w:ind w:left="{}""#, layout.left);
        if layout.hanging > 0 {
            let _ = write!(out, r#" w:hanging="{}""#, layout.hanging);
        } else if layout.first_line > 0 {
            let _ = write!(out, r#" w:firstLine="{}""#, layout.first_line);
        }
        out.push_str("/>");
    }
    let _ = write!(
        out,
        r#"<w:jc w:val="{}"/><w:rPr><w:sz w:val="{mark_size}"/><w:szCs w:val="{mark_size}"/></w:rPr></w:pPr>"#,
        layout.align
    );
}

/// One run per text; `\n` becomes a line break and `\t` a tab, because a `w:t` must
/// hold neither.
fn run(out: &mut String, text: &str, font: Font) {
    if text.is_empty() {
        return;
    }
    out.push_str("<w:r>");
    run_properties(out, font);
    let mut pending = String::new();
    for c in text.chars() {
        match c {
            '\n' | '\t' => {
                text_element(out, &pending);
                pending.clear();
                out.push_str(if c == '\n' { "<w:br/>" } else { "<w:tab/>" });
            }
            _ => pending.push(c),
        }
    }
    text_element(out, &pending);
    out.push_str("</w:r>");
}

/// `w:rPr` in schema order: b, i, sz, u. The font and language come from the document
/// defaults.
fn run_properties(out: &mut String, font: Font) {
    out.push_str("<w:rPr>");
    if font.bold {
        out.push_str("<w:b/><w:bCs/>");
    }
    if font.italic {
        out.push_str("<w:i/><w:iCs/>");
    }
    let _ = write!(
        out,
        r#"<w:sz w:val="{0}"/><w:szCs w:val="{0}"/>"#,
        font.size
    );
    if font.underline {
        out.push_str(r#"<w:u w:val="single"/>"#);
    }
    out.push_str("</w:rPr>");
}

fn text_element(out: &mut String, text: &str) {
    if text.is_empty() {
        return;
    }
    out.push_str(r#"<w:t xml:space="preserve">"#);
    escape_into(out, text);
    out.push_str("</w:t>");
}

/// Escapes the markup characters and drops what XML 1.0 cannot carry at all (control
/// characters, which Word would refuse the whole file for).
fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
}

/// The section: A4 portrait, the decree's margins, the page number at the top centre
/// from page 2 on (the first page gets an empty header).
fn section(out: &mut String) {
    let _ = write!(
        out,
        concat!(
            r#"<w:sectPr>"#,
            r#"<w:headerReference w:type="default" r:id="rIdHeaderDefault"/>"#,
            r#"<w:headerReference w:type="first" r:id="rIdHeaderFirst"/>"#,
            r#"<w:pgSz w:w="{PAGE_WIDTH}" w:h="{PAGE_HEIGHT}"/>"#,
            r#"<w:pgMar w:top="{MARGIN_TOP}" w:right="{MARGIN_RIGHT}" w:bottom="{MARGIN_BOTTOM}" w:left="{MARGIN_LEFT}" w:header="567" w:footer="567" w:gutter="0"/>"#,
            r#"<w:cols w:space="720"/><w:titlePg/><w:docGrid w:linePitch="381"/>"#,
            r#"</w:sectPr>"#,
        ),
        PAGE_WIDTH = PAGE_WIDTH,
        PAGE_HEIGHT = PAGE_HEIGHT,
        MARGIN_TOP = MARGIN_TOP,
        MARGIN_RIGHT = MARGIN_RIGHT,
        MARGIN_BOTTOM = MARGIN_BOTTOM,
        MARGIN_LEFT = MARGIN_LEFT,
    );
}

const W_NS: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
const R_NS: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const XML_DECLARATION: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#;

const CONTENT_TYPES: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
    r#"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">"#,
    r#"<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>"#,
    r#"<Default Extension="xml" ContentType="application/xml"/>"#,
    r#"<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>"#,
    r#"<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>"#,
    r#"<Override PartName="/word/settings.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml"/>"#,
    r#"<Override PartName="/word/header1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml"/>"#,
    r#"<Override PartName="/word/header2.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml"/>"#,
    r#"</Types>"#,
);

const PACKAGE_RELS: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
    r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#,
    r#"<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>"#,
    r#"</Relationships>"#,
);

const DOCUMENT_RELS: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
    r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#,
    r#"<Relationship Id="rIdStyles" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>"#,
    r#"<Relationship Id="rIdSettings" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/settings" Target="settings.xml"/>"#,
    r#"<Relationship Id="rIdHeaderDefault" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/header" Target="header1.xml"/>"#,
    r#"<Relationship Id="rIdHeaderFirst" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/header" Target="header2.xml"/>"#,
    r#"</Relationships>"#,
);

/// Times New Roman 14 pt in Vietnamese for everything (so that spelling is checked in
/// Vietnamese); Word's own names for the default styles so that it does not add its own.
const STYLES: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
    r#"<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">"#,
    r#"<w:docDefaults><w:rPrDefault><w:rPr>"#,
    r#"<w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman" w:eastAsia="Times New Roman" w:cs="Times New Roman"/>"#,
    r#"<w:sz w:val="28"/><w:szCs w:val="28"/><w:lang w:val="vi-VN" w:eastAsia="en-US" w:bidi="ar-SA"/>"#,
    r#"</w:rPr></w:rPrDefault><w:pPrDefault><w:pPr>"#,
    r#"<w:spacing w:before="0" w:after="0" w:line="240" w:lineRule="auto"/>"#,
    r#"</w:pPr></w:pPrDefault></w:docDefaults>"#,
    r#"<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/></w:style>"#,
    r#"<w:style w:type="character" w:default="1" w:styleId="DefaultParagraphFont"><w:name w:val="Default Paragraph Font"/><w:uiPriority w:val="1"/><w:semiHidden/><w:unhideWhenUsed/></w:style>"#,
    r#"<w:style w:type="table" w:default="1" w:styleId="TableNormal"><w:name w:val="Normal Table"/><w:uiPriority w:val="99"/><w:semiHidden/><w:unhideWhenUsed/>"#,
    r#"<w:tblPr><w:tblInd w:w="0" w:type="dxa"/><w:tblCellMar><w:top w:w="0" w:type="dxa"/><w:left w:w="108" w:type="dxa"/><w:bottom w:w="0" w:type="dxa"/><w:right w:w="108" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style>"#,
    r#"<w:style w:type="numbering" w:default="1" w:styleId="NoList"><w:name w:val="No List"/><w:uiPriority w:val="99"/><w:semiHidden/><w:unhideWhenUsed/></w:style>"#,
    r#"</w:styles>"#,
);

/// Compatibility mode 15 so that Word does not open the draft in compatibility mode.
const SETTINGS: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
    r#"<w:settings xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">"#,
    r#"<w:zoom w:percent="100"/>"#,
    r#"<w:defaultTabStop w:val="720"/>"#,
    r#"<w:characterSpacingControl w:val="doNotCompress"/>"#,
    r#"<w:compat><w:compatSetting w:name="compatibilityMode" w:uri="http://schemas.microsoft.com/office/word" w:val="15"/></w:compat>"#,
    r#"<w:themeFontLang w:val="vi-VN"/>"#,
    r#"</w:settings>"#,
);

/// The page number, 14 pt upright, centred in the top margin.
const HEADER_PAGE_NUMBER: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
    r#"<w:hdr xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">"#,
    r#"<w:p><w:pPr><w:jc w:val="center"/></w:pPr>"#,
    r#"<w:fldSimple w:instr=" PAGE "><w:r><w:t>2</w:t></w:r></w:fldSimple>"#,
    r#"</w:p></w:hdr>"#,
);

const HEADER_EMPTY: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
    r#"<w:hdr xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">"#,
    r#"<w:p/></w:hdr>"#,
);

/// Zips the parts. Every entry gets the zip format's earliest date, so that the bytes
/// depend on the letter only.
fn package(body: &str) -> zip::result::ZipResult<Vec<u8>> {
    let document = format!(
        r#"{XML_DECLARATION}<w:document xmlns:w="{W_NS}" xmlns:r="{R_NS}"><w:body>{body}</w:body></w:document>"#
    );
    let parts: [(&str, &str); 8] = [
        ("[Content_Types].xml", CONTENT_TYPES),
        ("_rels/.rels", PACKAGE_RELS),
        ("word/document.xml", &document),
        ("word/_rels/document.xml.rels", DOCUMENT_RELS),
        ("word/styles.xml", STYLES),
        ("word/settings.xml", SETTINGS),
        ("word/header1.xml", HEADER_PAGE_NUMBER),
        ("word/header2.xml", HEADER_EMPTY),
    ];
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .last_modified_time(DateTime::default());
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    for (name, content) in parts {
        zip.start_file(name, options)?;
        zip.write_all(content.as_bytes())?;
    }
    Ok(zip.finish()?.into_inner())
}
