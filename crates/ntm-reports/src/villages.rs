//! The register of villages and model gardens as an Excel workbook: one sheet of villages,
//! one of gardens, each found by its header row (columns in any order, headings read
//! without case or diacritics), so the commune's own lists load as they are. The export
//! ([`villages_workbook`]) writes the same headings, so a register exported, edited and
//! imported again round-trips. Cells come back as text; what they mean is the app's.

use ntm_core::text::search_key;
use rust_xlsxwriter::{Format, FormatBorder, Workbook};

use crate::ReportError;
use crate::read::XlsxProblem;
use crate::tasks::{DenseSheet, dense_sheets, text_of};

/// A village row as read, cells as text; `row` as Excel numbers it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VillageSheetRow {
    pub sheet: String,
    pub row: u32,
    pub commune: String,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub from: String,
    pub to: String,
    pub successor: String,
    pub note: String,
}

/// A garden row as read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GardenSheetRow {
    pub sheet: String,
    pub row: u32,
    pub commune: String,
    pub village: String,
    pub household: String,
    pub area: String,
    pub from: String,
    pub to: String,
    pub note: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VillageSheets {
    pub villages: Vec<VillageSheetRow>,
    pub gardens: Vec<GardenSheetRow>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Field {
    Commune,
    Code,
    Name,
    Kind,
    From,
    To,
    Successor,
    Note,
    Household,
    Area,
}

const VILLAGE_HEADINGS: [(&str, f64); 9] = [
    ("Mã xã", 12.0),
    ("Mã thôn", 10.0),
    ("Tên thôn", 28.0),
    ("Loại", 14.0),
    ("Từ ngày", 12.0),
    ("Đến ngày", 12.0),
    ("Sáp nhập vào thôn (mã)", 14.0),
    ("Ghi chú", 30.0),
    ("Tên xã (để đối chiếu, không nhập)", 24.0),
];

const GARDEN_HEADINGS: [(&str, f64); 7] = [
    ("Mã xã", 12.0),
    ("Mã thôn", 10.0),
    ("Chủ hộ", 28.0),
    ("Diện tích (m²)", 14.0),
    ("Từ ngày", 12.0),
    ("Đến ngày", 12.0),
    ("Ghi chú", 30.0),
];

fn field(heading: &str) -> Option<Field> {
    let key = search_key(heading);
    Some(if key.contains("ma xa") || key == "xa" {
        Field::Commune
    } else if key.contains("sap nhap") || key.contains("tiep nhan") {
        Field::Successor
    } else if key.contains("ma thon") || key == "ma" {
        Field::Code
    } else if key.contains("ten thon") || key == "ten" {
        Field::Name
    } else if key.starts_with("loai") {
        Field::Kind
    } else if key.starts_with("tu ngay") || key.contains("ngay dang ky") {
        Field::From
    } else if key.starts_with("den ngay") {
        Field::To
    } else if key.contains("ghi chu") {
        Field::Note
    } else if key.contains("chu ho") || key == "ho" {
        Field::Household
    } else if key.contains("dien tich") {
        Field::Area
    } else {
        return None;
    })
}

/// Which table a header row starts, if any.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Table {
    Villages,
    Gardens,
}

fn table_of(fields: &[Option<Field>]) -> Option<Table> {
    let has = |f| fields.contains(&Some(f));
    if has(Field::Commune) && has(Field::Code) && has(Field::Household) {
        Some(Table::Gardens)
    } else if has(Field::Commune) && has(Field::Code) && has(Field::Name) {
        Some(Table::Villages)
    } else {
        None
    }
}

/// Reads a workbook's villages and gardens: every sheet whose header row (within its first
/// 20 rows) names "Mã xã", "Mã thôn" and "Tên thôn" (villages) or "Chủ hộ" (gardens).
/// Never panics; every problem is told with its cell.
pub fn read_villages(bytes: &[u8]) -> Result<VillageSheets, Vec<XlsxProblem>> {
    let mut out = VillageSheets::default();
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
            let fields: Vec<Option<Field>> = r.iter().map(|c| field(&c.to_string())).collect();
            table_of(&fields).map(|t| (i, t, fields))
        });
        let Some((h, table, columns)) = header else {
            continue;
        };
        found = true;
        for (i, r) in rows.iter().enumerate().skip(h + 1) {
            let row = top + i as u32;
            let mut cells: Vec<(Field, String)> = Vec::new();
            for (j, cell) in r.iter().enumerate() {
                let Some(Some(f)) = columns.get(j) else {
                    continue;
                };
                match text_of(&name, row, left + j as u32, cell) {
                    Ok(t) => cells.push((*f, t)),
                    Err(p) => problems.push(p),
                }
            }
            let get = |f: Field| {
                cells
                    .iter()
                    .find(|(g, _)| *g == f)
                    .map(|(_, t)| t.clone())
                    .unwrap_or_default()
            };
            if cells.iter().all(|(_, t)| t.is_empty()) {
                continue;
            }
            match table {
                Table::Villages => out.villages.push(VillageSheetRow {
                    sheet: name.clone(),
                    row: row + 1,
                    commune: get(Field::Commune),
                    code: get(Field::Code),
                    name: get(Field::Name),
                    kind: get(Field::Kind),
                    from: get(Field::From),
                    to: get(Field::To),
                    successor: get(Field::Successor),
                    note: get(Field::Note),
                }),
                Table::Gardens => out.gardens.push(GardenSheetRow {
                    sheet: name.clone(),
                    row: row + 1,
                    commune: get(Field::Commune),
                    village: get(Field::Code),
                    household: get(Field::Household),
                    area: get(Field::Area),
                    from: get(Field::From),
                    to: get(Field::To),
                    note: get(Field::Note),
                }),
            }
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    if !found {
        return Err(vec![XlsxProblem::file(
            "không tìm thấy dòng tiêu đề có các cột “Mã xã”, “Mã thôn” và “Tên thôn” (danh sách thôn) hoặc “Chủ hộ” (danh sách vườn) trong 20 dòng đầu của một trang; hãy dùng mẫu của hệ thống",
        )]);
    }
    if out.villages.is_empty() && out.gardens.is_empty() {
        return Err(vec![XlsxProblem::file(
            "không có thôn hay vườn nào dưới dòng tiêu đề",
        )]);
    }
    Ok(out)
}

/// A village of the export, its cells as shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VillageLine {
    pub commune: String,
    pub commune_name: String,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub from: chrono::NaiveDate,
    pub to: Option<chrono::NaiveDate>,
    pub successor: String,
    pub note: String,
}

/// A garden of the export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GardenLine {
    pub commune: String,
    pub village: String,
    pub household: String,
    pub area: Option<rust_decimal::Decimal>,
    pub from: chrono::NaiveDate,
    pub to: Option<chrono::NaiveDate>,
    pub note: String,
}

const GUIDE: [&str; 4] = [
    "SỔ THÔN, TỔ DÂN PHỐ VÀ VƯỜN MẪU",
    "Trang “Thôn”: mỗi dòng một thôn. Mã xã: mã đơn vị hành chính của xã (ví dụ 18850). Mã thôn: mã do xã đặt, không trùng trong xã. Loại: Thôn, Tổ dân phố hoặc Khu dân cư.",
    "Thôn đã sáp nhập: ghi “Đến ngày” (ngày cuối cùng còn tồn tại) và mã thôn tiếp nhận. Ngày ghi dd/mm/yyyy.",
    "Trang “Vườn”: mỗi dòng một vườn hộ, ghi mã xã và mã thôn của thôn có vườn.",
];

fn sheet_head(
    sheet: &mut rust_xlsxwriter::Worksheet,
    headings: &[(&str, f64)],
    bold: &Format,
) -> Result<u32, ReportError> {
    for (i, line) in GUIDE.iter().enumerate() {
        sheet.write_string(i as u32, 0, *line)?;
    }
    let head = GUIDE.len() as u32 + 1;
    for (j, (h, w)) in headings.iter().enumerate() {
        sheet.write_string_with_format(head, j as u16, *h, bold)?;
        sheet.set_column_width(j as u16, *w)?;
    }
    sheet.set_freeze_panes(head + 1, 0)?;
    Ok(head)
}

/// The register as a workbook [`read_villages`] reads back (empty lists give the template).
pub fn villages_workbook(
    villages: &[VillageLine],
    gardens: &[GardenLine],
) -> Result<Vec<u8>, ReportError> {
    let mut book = Workbook::new();
    let bold = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_border(FormatBorder::Thin);
    let date = Format::new().set_num_format("dd/mm/yyyy");
    let text = Format::new().set_num_format("@");
    let to_dt = |d: chrono::NaiveDate| {
        rust_xlsxwriter::ExcelDateTime::from_ymd(
            u16::try_from(chrono::Datelike::year(&d)).unwrap_or(1900),
            chrono::Datelike::month(&d) as u8,
            chrono::Datelike::day(&d) as u8,
        )
    };
    {
        let sheet = book.add_worksheet();
        sheet.set_name("Thôn")?;
        let head = sheet_head(sheet, &VILLAGE_HEADINGS, &bold)?;
        sheet.set_column_format(0, &text)?;
        sheet.set_column_format(1, &text)?;
        sheet.set_column_format(6, &text)?;
        for (i, v) in villages.iter().enumerate() {
            let r = head + 1 + i as u32;
            sheet.write_string(r, 0, &v.commune)?;
            sheet.write_string(r, 1, &v.code)?;
            sheet.write_string(r, 2, &v.name)?;
            sheet.write_string(r, 3, &v.kind)?;
            sheet.write_datetime_with_format(r, 4, &to_dt(v.from)?, &date)?;
            if let Some(t) = v.to {
                sheet.write_datetime_with_format(r, 5, &to_dt(t)?, &date)?;
            }
            sheet.write_string(r, 6, &v.successor)?;
            sheet.write_string(r, 7, &v.note)?;
            sheet.write_string(r, 8, &v.commune_name)?;
        }
    }
    {
        let sheet = book.add_worksheet();
        sheet.set_name("Vườn")?;
        let head = sheet_head(sheet, &GARDEN_HEADINGS, &bold)?;
        sheet.set_column_format(0, &text)?;
        sheet.set_column_format(1, &text)?;
        for (i, g) in gardens.iter().enumerate() {
            let r = head + 1 + i as u32;
            sheet.write_string(r, 0, &g.commune)?;
            sheet.write_string(r, 1, &g.village)?;
            sheet.write_string(r, 2, &g.household)?;
            if let Some(a) = g
                .area
                .and_then(|a| rust_decimal::prelude::ToPrimitive::to_f64(&a))
            {
                sheet.write_number(r, 3, a)?;
            }
            sheet.write_datetime_with_format(r, 4, &to_dt(g.from)?, &date)?;
            if let Some(t) = g.to {
                sheet.write_datetime_with_format(r, 5, &to_dt(t)?, &date)?;
            }
            sheet.write_string(r, 6, &g.note)?;
        }
    }
    Ok(book.save_to_buffer()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn an_exported_register_reads_back() {
        let villages = vec![
            VillageLine {
                commune: "18850".into(),
                commune_name: String::new(),
                code: "01".into(),
                name: "Thôn Tân Tiến".into(),
                kind: "Thôn".into(),
                from: d(2020, 1, 1),
                to: None,
                successor: String::new(),
                note: "ghi chú".into(),
            },
            VillageLine {
                commune: "18850".into(),
                commune_name: String::new(),
                code: "02".into(),
                name: "Thôn Hạ".into(),
                kind: "Thôn".into(),
                from: d(2020, 1, 1),
                to: Some(d(2022, 12, 31)),
                successor: "01".into(),
                note: String::new(),
            },
        ];
        let gardens = vec![GardenLine {
            commune: "18850".into(),
            village: "01".into(),
            household: "Nguyễn Văn An".into(),
            area: Some("1200.5".parse().unwrap()),
            from: d(2021, 3, 1),
            to: None,
            note: String::new(),
        }];
        let bytes = villages_workbook(&villages, &gardens).unwrap();
        let read = read_villages(&bytes).unwrap();
        assert_eq!(read.villages.len(), 2);
        assert_eq!(read.villages[0].code, "01");
        assert_eq!(read.villages[0].from, "2020-01-01");
        assert_eq!(read.villages[1].to, "2022-12-31");
        assert_eq!(read.villages[1].successor, "01");
        assert_eq!(read.villages[0].sheet, "Thôn");
        assert_eq!(
            read.villages[0].row, 7,
            "the guide's four lines, a blank, the header"
        );
        assert_eq!(read.gardens.len(), 1);
        assert_eq!(read.gardens[0].household, "Nguyễn Văn An");
        assert_eq!(read.gardens[0].area, "1200.5");
    }

    #[test]
    fn the_template_alone_is_refused_as_empty_and_other_files_with_a_reason() {
        let empty = villages_workbook(&[], &[]).unwrap();
        let p = read_villages(&empty).unwrap_err();
        assert!(p[0].message.contains("không có thôn"), "{p:?}");
        let p = read_villages(b"ma_xa,ma_thon\n1,2").unwrap_err();
        assert!(!p.is_empty());
        let other = crate::tasks_template().unwrap();
        let p = read_villages(&other).unwrap_err();
        assert!(p[0].message.contains("Mã thôn"), "{p:?}");
    }
}
