//! What can go wrong reading a points file or a boundary file, told in Vietnamese for the
//! office user who chose the file: where (line and spreadsheet column, or which feature)
//! and what to do about it.

use std::fmt;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MapError {
    #[error("Tệp toạ độ không đọc được: {0}")]
    PointsFile(PointsProblem),
    /// `line` is the physical line of the file (the header is line 1), which is the row
    /// number a spreadsheet shows; `column` is the 0-based column and its header name.
    #[error("Tệp toạ độ, dòng {line}{}: {problem}", column_suffix(.column))]
    Points {
        line: usize,
        column: Option<(usize, &'static str)>,
        problem: PointsProblem,
    },
    #[error("Tệp ranh giới không đọc được: {0}")]
    Boundaries(BoundaryProblem),
}

fn column_suffix(column: &Option<(usize, &'static str)>) -> String {
    match column {
        Some((i, name)) => format!(", cột {} ({name})", column_letter(*i)),
        None => String::new(),
    }
}

/// The spreadsheet letter of a 0-based column: A…Z, AA…, as Excel shows a CSV.
pub(crate) fn column_letter(mut i: usize) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

#[derive(Debug, Clone, PartialEq)]
pub enum PointsProblem {
    Empty,
    MissingColumn(&'static str),
    NoRows,
    UnclosedQuote,
    EmptyCell,
    NotNumber(String),
    OutOfRange { value: f64, min: f64, max: f64 },
    DuplicateCode { code: String, first_line: usize },
}

impl fmt::Display for PointsProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("tệp trống"),
            Self::MissingColumn(c) => write!(
                f,
                "thiếu cột «{c}» ở dòng tiêu đề (cần các cột code, name, lat, lon)"
            ),
            Self::NoRows => f.write_str("tệp chỉ có dòng tiêu đề, không có đơn vị nào"),
            Self::UnclosedQuote => f.write_str("dấu ngoặc kép mở mà không đóng trên cùng dòng"),
            Self::EmptyCell => f.write_str("ô trống"),
            Self::NotNumber(s) => write!(f, "«{s}» không phải là số"),
            Self::OutOfRange { value, min, max } => {
                write!(f, "{value} nằm ngoài khoảng {min} đến {max}")
            }
            Self::DuplicateCode { code, first_line } => {
                write!(f, "mã {code} đã có ở dòng {first_line}")
            }
        }
    }
}

/// `at` names the place in the file for a person: "vùng thứ 3 (mã 18073), vòng 1, điểm 5".
#[derive(Debug, Clone, PartialEq)]
pub enum BoundaryProblem {
    TooLarge {
        bytes: usize,
    },
    NotJson {
        line: usize,
        column: usize,
    },
    TooDeep,
    NotGeoJson {
        found: String,
    },
    WrongType {
        at: String,
        expected: &'static str,
    },
    NotFinite {
        at: String,
    },
    NotLonLat {
        at: String,
        x: f64,
        y: f64,
    },
    TooManyCoordinates,
    TooComplex,
    BadArc {
        at: String,
        index: i64,
    },
    Empty,
    MissingProperty {
        name: String,
        available: Vec<String>,
    },
}

impl fmt::Display for BoundaryProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLarge { bytes } => write!(
                f,
                "tệp nặng {} MB, quá giới hạn {} MB; hãy đơn giản hoá ranh giới \
                 (ví dụ bằng mapshaper) rồi tải lại",
                thousands(bytes.div_ceil(1024 * 1024)),
                crate::limits::MAX_BYTES / (1024 * 1024)
            ),
            Self::NotJson { line, column } => write!(
                f,
                "không phải JSON hợp lệ (lỗi ở dòng {line}, cột {column})"
            ),
            Self::TooDeep => f.write_str("cấu trúc lồng nhau quá sâu"),
            Self::NotGeoJson { found } => write!(
                f,
                "không phải GeoJSON hay TopoJSON (\"type\" là «{found}», cần \
                 FeatureCollection, Feature hoặc Topology)"
            ),
            Self::WrongType { at, expected } => write!(f, "{at}: cần {expected}"),
            Self::NotFinite { at } => write!(f, "{at}: toạ độ không phải số hữu hạn"),
            Self::NotLonLat { at, x, y } => write!(
                f,
                "{at}: toạ độ ({x}, {y}) không phải kinh độ, vĩ độ WGS84 — có thể tệp dùng \
                 hệ VN-2000 (đơn vị mét); hãy xuất lại theo WGS84 (EPSG:4326)"
            ),
            Self::TooManyCoordinates => write!(
                f,
                "có hơn {} điểm toạ độ; hãy đơn giản hoá ranh giới (ví dụ bằng mapshaper) \
                 rồi tải lại",
                thousands(crate::limits::MAX_COORDINATES)
            ),
            Self::TooComplex => f.write_str(
                "có quá nhiều phần tử JSON so với một bản đồ ranh giới; hãy đơn giản hoá \
                 ranh giới (ví dụ bằng mapshaper) rồi tải lại",
            ),
            Self::BadArc { at, index } => write!(f, "{at}: cung số {index} không có trong tệp"),
            Self::Empty => f.write_str("tệp không có vùng nào (Polygon hoặc MultiPolygon)"),
            Self::MissingProperty { name, available } => {
                write!(f, "không vùng nào có thuộc tính «{name}»")?;
                if available.is_empty() {
                    f.write_str("; các vùng không có thuộc tính nào")
                } else {
                    write!(f, "; các thuộc tính có trong tệp: {}", available.join(", "))
                }
            }
        }
    }
}

/// Vietnamese digit grouping: 200.000.
pub(crate) fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spreadsheet_letters() {
        for (i, l) in [
            (0, "A"),
            (3, "D"),
            (25, "Z"),
            (26, "AA"),
            (27, "AB"),
            (701, "ZZ"),
            (702, "AAA"),
        ] {
            assert_eq!(column_letter(i), l, "{i}");
        }
    }

    #[test]
    fn thousands_group_by_dots() {
        for (n, s) in [
            (0, "0"),
            (999, "999"),
            (1000, "1.000"),
            (200_000, "200.000"),
            (1_234_567, "1.234.567"),
        ] {
            assert_eq!(thousands(n), s);
        }
    }

    #[test]
    fn messages_name_line_and_column() {
        let e = MapError::Points {
            line: 5,
            column: Some((3, "lat")),
            problem: PointsProblem::NotNumber("abc".into()),
        };
        assert_eq!(
            e.to_string(),
            "Tệp toạ độ, dòng 5, cột D (lat): «abc» không phải là số"
        );
        let e = MapError::Boundaries(BoundaryProblem::TooManyCoordinates);
        assert!(
            e.to_string()
                .starts_with("Tệp ranh giới không đọc được: có hơn 200.000")
        );
    }
}
