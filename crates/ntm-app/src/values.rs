//! Indicator values: validate a long-format file row by row, then write all or nothing.
//!
//! A row is accepted only if its unit exists in that year (a reused code must be written
//! with its date, `18073@2025-07-01`), its indicator belongs to a criteria set that applies
//! to that unit in that year, and its value has the right kind (a number, or đạt/không
//! đạt), within range (a percentage between 0 and 100). Quantities computed from the units
//! below cannot be entered.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use ntm_core::criteria::{Comparison, Indicator};
use ntm_core::{Catalogue, UnitId, UnitRegistry, Value};
use ntm_data::values_file::{ValueRow, parse_values};
use ntm_store::{Store, ValueFilter, ValueWrite};
use rust_decimal::Decimal;

use crate::{AppError, AppResult};

/// The earliest and latest years ntm accepts data for.
pub const YEARS: std::ops::RangeInclusive<i32> = 2010..=2035;

/// The indicator definitions that can receive values for a unit type in a year: the
/// first definition found for each id in the applicable sets (ids mean the same quantity
/// in every set of a period).
pub fn indicators_for(
    catalogue: &Catalogue,
    unit_type: ntm_core::UnitType,
    year: i32,
) -> BTreeMap<&str, &Indicator> {
    let mut out = BTreeMap::new();
    for set in catalogue.sets().filter(|s| s.applies(unit_type, year)) {
        for (_, i) in set.indicators() {
            if i.value_of.is_none() {
                out.entry(i.id.as_str()).or_insert(i);
            }
        }
    }
    out
}

/// Reads a value for `indicator` as typed by a user, or says why not (in Vietnamese).
pub fn parse_for(indicator: &Indicator, text: &str) -> Result<Value, String> {
    if indicator.computed.is_some() {
        return Err(format!(
            "chỉ tiêu {} được tính từ các đơn vị cấp dưới, không nhập",
            indicator.id
        ));
    }
    if indicator.comparison == Comparison::Pass {
        return Value::parse_verdict(text)
            .map(Value::Pass)
            .map_err(|e| e.to_string());
    }
    let n = Value::parse_number(text).map_err(|e| e.to_string())?;
    if n < Decimal::ZERO {
        return Err(format!("giá trị {n} không thể âm"));
    }
    if indicator.is_percent() && n > Decimal::ONE_HUNDRED {
        return Err(format!("tỷ lệ {n}% vượt quá 100%"));
    }
    Ok(Value::Number(n))
}

/// A validated file, ready to write.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ValidatedValues {
    pub writes: Vec<ValueWrite>,
    /// Aligned with `writes`: the row said nothing of the note, so the stored one stays
    /// ([`ValueRow::keeps_note`]; filled in against the store by [`keep_notes`]).
    pub keeps_note: Vec<bool>,
}

/// Gives each write whose row kept its note the note stored for it (`stored` by unit,
/// year and indicator), so that re-importing a template never wipes notes.
pub fn keep_notes(
    validated: &mut ValidatedValues,
    stored: &std::collections::BTreeMap<(UnitId, i32, String), Option<String>>,
) {
    for (w, keep) in validated.writes.iter_mut().zip(&validated.keeps_note) {
        if *keep {
            w.note = stored
                .get(&(w.unit_id.clone(), w.year, w.indicator_id.clone()))
                .cloned()
                .flatten();
        }
    }
}

/// Zip archives (xlsx) start with "PK\x03\x04"; OLE files (.xls, encrypted workbooks)
/// with D0 CF 11 E0.
fn looks_like_workbook(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0])
}

/// Reads a values file named `name` (the name only sharpens the message: a file that
/// claims to be a workbook and is not is told so, not parsed as CSV).
pub fn read_file(name: &str, bytes: &[u8]) -> Result<Vec<ValueRow>, Vec<String>> {
    let lower = name.to_lowercase();
    let named_workbook = [".xlsx", ".xlsm", ".xls"]
        .iter()
        .any(|e| lower.ends_with(e));
    if named_workbook && !looks_like_workbook(bytes) {
        return Err(vec![format!(
            "tệp “{name}” không phải là bảng tính Excel (.xlsx) dù mang tên như vậy; \
             hãy mở bằng Excel và lưu lại dưới dạng .xlsx"
        )]);
    }
    read_rows(bytes)
}

/// Reads a values file: an Excel workbook (.xlsx: the ntm template or a long-format
/// sheet) or a long-format CSV, told apart by content rather than by name. Bytes that are
/// neither (a picture, a PDF, random bytes) are told as such.
pub fn read_rows(bytes: &[u8]) -> Result<Vec<ValueRow>, Vec<String>> {
    let looks_like_text = std::str::from_utf8(bytes).is_ok() && !bytes.contains(&0);
    let workbook = looks_like_workbook(bytes);
    if !workbook && !looks_like_text {
        return Err(vec![
            "tệp không phải là bảng tính Excel (.xlsx) hay tệp CSV (văn bản UTF-8); \
             hãy dùng mẫu nhập liệu của ntm"
                .into(),
        ]);
    }
    if workbook {
        ntm_reports::read_values(bytes).map_err(|p| p.iter().map(ToString::to_string).collect())
    } else {
        parse_values(bytes).map_err(|p| p.iter().map(ToString::to_string).collect())
    }
}

/// Validates every row of a file (CSV or .xlsx); returns all problems (each located) or
/// the writes.
pub fn validate(
    bytes: &[u8],
    registry: &UnitRegistry,
    catalogue: &Catalogue,
) -> Result<ValidatedValues, Vec<String>> {
    validate_rows(&read_rows(bytes)?, registry, catalogue)
}

/// Validates rows already read.
pub fn validate_rows(
    rows: &[ValueRow],
    registry: &UnitRegistry,
    catalogue: &Catalogue,
) -> Result<ValidatedValues, Vec<String>> {
    let mut problems = Vec::new();
    let mut writes = Vec::new();
    let mut keeps_note = Vec::new();
    let mut seen: HashMap<(String, i32, String), String> = HashMap::new();
    for row in rows {
        match validate_row(row, registry, catalogue) {
            Err(e) => problems.push(format!("{}: {e}", row.place)),
            Ok(w) => {
                let key = (w.unit_id.to_string(), w.year, w.indicator_id.clone());
                if let Some(first) = seen.insert(key, row.place.clone()) {
                    problems.push(format!(
                        "{}: trùng đơn vị, năm và chỉ tiêu với {first} (đơn vị {}, năm {}, chỉ tiêu {})",
                        row.place, w.unit_id, w.year, w.indicator_id
                    ));
                } else {
                    writes.push(w);
                    keeps_note.push(row.keeps_note);
                }
            }
        }
    }
    if problems.is_empty() {
        Ok(ValidatedValues { writes, keeps_note })
    } else {
        Err(problems)
    }
}

fn validate_row(
    row: &ValueRow,
    registry: &UnitRegistry,
    catalogue: &Catalogue,
) -> Result<ValueWrite, String> {
    let year: i32 = row
        .year
        .trim()
        .parse()
        .map_err(|_| format!("cột year: “{}” không phải là năm", row.year))?;
    if !YEARS.contains(&year) {
        return Err(format!(
            "cột year: năm {year} nằm ngoài khoảng {}–{}",
            YEARS.start(),
            YEARS.end()
        ));
    }
    if row.unit.is_empty() {
        return Err("cột unit: thiếu mã đơn vị".into());
    }
    let unit = registry
        .resolve_in_year(&row.unit, year)
        .map_err(|e| format!("cột unit: {e}"))?;
    let version = unit
        .version_in_year(year)
        .ok_or_else(|| format!("cột unit: {} không có hiệu lực năm {year}", unit.id))?;
    let known = indicators_for(catalogue, version.unit_type, year);
    let indicator = known.get(row.indicator.trim()).ok_or_else(|| {
        if known.is_empty() {
            format!("cột indicator: không có bộ tiêu chí nào áp dụng cho {} năm {year}", version.name)
        } else {
            format!(
                "cột indicator: chỉ tiêu “{}” không có trong các bộ tiêu chí áp dụng cho {} ({}) năm {year}",
                row.indicator,
                version.name,
                version.unit_type.as_vi()
            )
        }
    })?;
    let value = parse_for(indicator, &row.value)
        .map_err(|e| format!("cột value (chỉ tiêu {}): {e}", indicator.id))?;
    crate::notes::check_note(row.note.as_deref()).map_err(|e| format!("cột note: {e}"))?;
    let (_, evidence) = crate::notes::split_note(row.note.as_deref());
    if !evidence.is_empty() && !crate::notes::is_web_link(&evidence) {
        return Err(format!(
            "cột note: đường dẫn minh chứng “{evidence}” phải bắt đầu bằng http:// hoặc https://"
        ));
    }
    Ok(ValueWrite {
        unit_id: unit.id.clone(),
        year,
        indicator_id: indicator.id.clone(),
        value: value.canonical(),
        note: row.note.clone(),
        illustrative: false,
    })
}

/// One stored value, parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct Entered {
    pub value: Value,
    pub note: Option<String>,
    /// Demo material: written by the demo and not by anyone since (the store's flag, not
    /// the note's wording).
    pub illustrative: bool,
}

/// Values keyed by (unit, year), then indicator id. The ids are shared (`Arc<str>`), one
/// copy per indicator however many unit-years carry it: a country-year holds 630,000
/// values of ~57 indicators.
pub type ValueMap = BTreeMap<(UnitId, i32), BTreeMap<Arc<str>, Entered>>;

/// The note every demo value carries, for people reading it; what marks demo material is
/// the flag the demo writes ([`Entered::illustrative`]).
pub const DEMO_NOTE: &str = "Số liệu minh họa (demo), không phải số liệu chính thức";

/// Which values an evaluation reads.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Basis {
    /// The official reading: each unit-year as it was last approved; a unit-year never
    /// approved has no official values.
    #[default]
    Approved,
    /// The values as they stand now, approved or not ("kể cả số liệu chưa duyệt").
    Current,
}

impl Basis {
    /// What a page's title adds: nothing for the official reading.
    pub fn title_suffix(self) -> &'static str {
        match self {
            Basis::Approved => "",
            Basis::Current => " (kể cả số liệu chưa duyệt)",
        }
    }
    /// One line that says what the numbers are made of.
    pub fn explained(self) -> &'static str {
        match self {
            Basis::Approved => {
                "Số liệu chính thức: chỉ tính số liệu đã được tỉnh duyệt (bản duyệt gần nhất của mỗi đơn vị, mỗi năm)."
            }
            Basis::Current => {
                "Kể cả số liệu chưa duyệt (đang nhập, chờ duyệt, bị trả lại): không phải số liệu chính thức."
            }
        }
    }
    /// How a unit without values read is described.
    pub fn no_data_words(self) -> &'static str {
        match self {
            Basis::Approved => "chưa có số liệu đã duyệt",
            Basis::Current => "chưa có số liệu",
        }
    }
    /// The query value that selects it (`?so_lieu=`).
    pub fn as_param(self) -> &'static str {
        match self {
            Basis::Approved => "da-duyet",
            Basis::Current => "tat-ca",
        }
    }
    pub fn from_param(text: &str) -> Option<Self> {
        [Basis::Approved, Basis::Current]
            .into_iter()
            .find(|b| b.as_param() == text)
    }
}

async fn read(store: &dyn Store, filter: &ValueFilter, basis: Basis) -> AppResult<ValueMap> {
    let records = match basis {
        Basis::Approved => store.list_approved_values(filter).await?,
        Basis::Current => store.list_values(filter).await?,
    };
    group(records)
}

/// Values of one year (or all), grouped by unit and year, parsed.
pub async fn load(store: &dyn Store, year: Option<i32>, basis: Basis) -> AppResult<ValueMap> {
    let filter = ValueFilter {
        year,
        ..Default::default()
    };
    read(store, &filter, basis).await
}

/// Values of `units` (all their years), grouped and parsed.
pub async fn load_units(store: &dyn Store, units: &[UnitId], basis: Basis) -> AppResult<ValueMap> {
    let filter = ValueFilter {
        year: None,
        units: Some(units.to_vec()),
        indicator_id: None,
    };
    read(store, &filter, basis).await
}

/// The unit-years of `year` (all when `None`) with values that are not approved, and
/// their status.
pub type Unapproved = BTreeMap<(UnitId, i32), ntm_core::workflow::Status>;

pub async fn load_unapproved(store: &dyn Store, year: Option<i32>) -> AppResult<Unapproved> {
    store
        .unapproved(year)
        .await?
        .into_iter()
        .map(|r| {
            let status = ntm_core::workflow::Status::parse(&r.status).ok_or_else(|| {
                AppError::Invalid(vec![format!(
                    "trạng thái lưu của {} năm {} không hợp lệ: {}",
                    r.unit_id, r.year, r.status
                )])
            })?;
            Ok(((r.unit_id, r.year), status))
        })
        .collect()
}

/// Groups stored values by unit and year, parsed.
pub fn group(records: Vec<ntm_store::ValueRecord>) -> AppResult<ValueMap> {
    let mut out: ValueMap = BTreeMap::new();
    let mut ids: std::collections::HashSet<Arc<str>> = std::collections::HashSet::new();
    for r in records {
        let id = match ids.get(r.indicator_id.as_str()) {
            Some(id) => id.clone(),
            None => {
                let id: Arc<str> = r.indicator_id.as_str().into();
                ids.insert(id.clone());
                id
            }
        };
        let value = Value::from_canonical(&r.value).map_err(|e| {
            AppError::Invalid(vec![format!(
                "giá trị lưu của {} năm {} chỉ tiêu {}: {e}",
                r.unit_id, r.year, r.indicator_id
            )])
        })?;
        out.entry((r.unit_id, r.year)).or_default().insert(
            id,
            Entered {
                value,
                note: r.note,
                illustrative: r.illustrative,
            },
        );
    }
    Ok(out)
}

/// Every stored value in the long format, re-importable unchanged.
pub async fn export(store: &dyn Store, year: Option<i32>) -> AppResult<String> {
    let records = store
        .list_values(&ValueFilter {
            year,
            ..Default::default()
        })
        .await?;
    let rows: Vec<ValueRow> = records
        .into_iter()
        .map(|r| ValueRow {
            line: 0,
            place: String::new(),
            unit: r.unit_id.to_string(),
            year: r.year.to_string(),
            indicator: r.indicator_id,
            value: r.value,
            note: r.note,
            keeps_note: false,
        })
        .collect();
    Ok(ntm_data::values_file::write_values(&rows))
}

/// Every stored value as a long-format Excel workbook, re-importable unchanged.
pub async fn export_xlsx(store: &dyn Store, year: Option<i32>) -> AppResult<Vec<u8>> {
    let records = store
        .list_values(&ValueFilter {
            year,
            ..Default::default()
        })
        .await?;
    values_workbook(
        records,
        year.map_or("Tất cả các năm".into(), |y| format!("Năm {y}")),
    )
}

/// Values as a long-format workbook (unit, year, indicator, value, note).
pub fn values_workbook(
    records: Vec<ntm_store::ValueRecord>,
    subtitle: String,
) -> AppResult<Vec<u8>> {
    use ntm_reports::{Cell, Column, Table};
    let table = Table {
        sheet: "Số liệu".into(),
        title: "SỐ LIỆU CHỈ TIÊU".into(),
        subtitle: vec![subtitle],
        // Vietnamese headers that the reader knows (it also takes the English ones).
        columns: ["Mã đơn vị", "Năm", "Chỉ tiêu", "Giá trị", "Ghi chú"]
            .iter()
            .zip([20.0, 7.0, 10.0, 12.0, 50.0])
            .map(|(h, w)| Column::new(*h, w))
            .collect(),
        header_rows: vec![],
        rows: records
            .into_iter()
            .map(|r| {
                // A number is written as a number (Excel sums it, and it reads back as
                // the number it is); đạt / không đạt as text.
                let value = match Value::from_canonical(&r.value) {
                    Ok(Value::Number(n)) => Cell::decimal(n, n.normalize().scale().min(10)),
                    _ => Cell::text(r.value),
                };
                vec![
                    Cell::text(r.unit_id.to_string()),
                    Cell::int(i64::from(r.year)),
                    Cell::text(r.indicator_id),
                    value,
                    Cell::text(r.note.unwrap_or_default()),
                ]
            })
            .collect(),
        totals: vec![],
        notes: vec![],
        landscape: false,
        freeze_columns: 1,
    };
    ntm_reports::workbook(&[table]).map_err(|e| AppError::Invalid(vec![e.to_string()]))
}
